// Acme, the demo company, alive: its cluster read once from its manifests (apps/bff/demo), then
// changed one step at a time the way clusters change during a working day. Every choice draws
// from one seeded stream, so a seed replays the same company and the same day.

import type { InputError, WatchEvent } from "@trustmap/engine";
import { type CompanyData, readCompany } from "./data";
import { type Manifest, metadata } from "./manifest";
import { Picture } from "./picture";
import { Random } from "./random";
import {
  type Node,
  newTemplate,
  nextVersion,
  podManifest,
  podName,
  type RunningPod,
  type Template,
  type Workload,
  type WorkloadSpec,
} from "./workloads";

const NODES = 16;
/** Changes to these kinds are network changes; the others change access. */
const NETWORK_KINDS = new Set(["NetworkPolicy", "Namespace"]);
/** Rollouts running at once: beyond this, ticks finish rollouts before starting new ones. */
const MAX_ROLLOUTS = 3;

/** An object that comes and goes, or changes back and forth: [initial, changed], undefined for absent. */
interface Toggle {
  readonly states: readonly [Manifest | undefined, Manifest | undefined];
  changed: boolean;
}

/** The picture returns no event when nothing changed (or an object could not be read). */
function eventsOf(event: WatchEvent | undefined): WatchEvent[] {
  return event === undefined ? [] : [event];
}

export class DemoCompany {
  private readonly random: Random;
  private readonly picture = new Picture();
  private readonly nodes: Node[];
  /** The next host number of each node's pod range, 10.244.<node>.0/24. */
  private readonly nextHost: number[];
  private readonly workloads: Workload[];
  private readonly policyToggles: Toggle[];
  private readonly bindingToggles: Toggle[];

  /** `data` is the shipped company unless a test gives another. */
  constructor(seed: number, data: CompanyData = readCompany()) {
    this.random = new Random(seed);
    this.nodes = this.makeNodes();
    this.nextHost = this.nodes.map(() => 2);
    this.putAll(data.objects);
    const toggles = data.changes.map((changed): Toggle => {
      const initial = data.objects.find((object) => sameObject(object, changed));
      return { states: [initial, changed], changed: false };
    });
    // Network changes (policies, namespaces' labels) and access changes (RBAC, accounts) come at
    // their own rates.
    this.policyToggles = toggles.filter((toggle) => NETWORK_KINDS.has(kindOf(toggle)));
    this.bindingToggles = toggles.filter((toggle) => !NETWORK_KINDS.has(kindOf(toggle)));
    this.workloads = data.workloads.map((spec) => this.start(spec));
  }

  get problems(): readonly InputError[] {
    return this.picture.problems;
  }

  /** The cluster as it is now, as the ADDED events of a fresh watch. */
  snapshot(): WatchEvent[] {
    return this.picture.snapshot();
  }

  /** One change, as the watch events it causes (one or two). */
  tick(): WatchEvent[] {
    const rolling = this.workloads.filter(isRollingOut);
    if (rolling.length >= MAX_ROLLOUTS || (rolling.length > 0 && this.random.chance(0.6))) {
      return this.rolloutStep(this.random.pick(rolling));
    }
    const choice = this.random.next();
    const idle = this.workloads.filter((w) => w.spec.controller === "Deployment" && !isRollingOut(w));
    if (choice < 0.35) return this.startRollout(this.random.pick(idle));
    if (choice < 0.75) return this.scale(this.random.pick(idle));
    const toggles = choice < 0.9 ? this.policyToggles : this.bindingToggles;
    if (toggles.length === 0) return this.scale(this.random.pick(idle));
    return this.flip(this.random.pick(toggles));
  }

  private putAll(manifests: readonly Manifest[]): void {
    for (const manifest of manifests) this.picture.put(manifest);
  }

  /** Nodes spread over three availability zones' subnets, named as EKS names them. */
  private makeNodes(): Node[] {
    const nodes: Node[] = [];
    const subnets = [16, 48, 80];
    for (let index = 0; index < NODES; index++) {
      // Each node draws its host number from a band of its own, so no two share an address.
      const host = 10 + 15 * Math.floor(index / subnets.length) + this.random.int(0, 14);
      const ip = `10.0.${subnets[index % subnets.length]}.${host}`;
      nodes.push({ name: `ip-${ip.replaceAll(".", "-")}.eu-west-1.compute.internal`, ip, index });
    }
    return nodes;
  }

  private start(spec: WorkloadSpec): Workload {
    // Bigger deployments run one replica more or fewer from one seed to the next.
    const replicas =
      spec.controller === "Deployment" && spec.replicas >= 3
        ? spec.replicas + this.random.int(-1, 1)
        : spec.replicas;
    const workload: Workload = {
      spec,
      uid: this.random.uid(),
      template: initialTemplate(this.random, spec),
      replicas,
      minReplicas: Math.max(1, Math.ceil(replicas / 2)),
      maxReplicas: replicas + 2,
      pods: [],
    };
    const nodes =
      spec.controller === "DaemonSet"
        ? this.nodes
        : Array.from({ length: replicas }, () => this.random.pick(this.nodes));
    for (const node of nodes) this.addPod(workload, node);
    return workload;
  }

  private addPod(workload: Workload, node: Node = this.random.pick(this.nodes)): WatchEvent[] {
    const pod: RunningPod = {
      name: podName(workload, this.random),
      template: workload.template,
      node,
      ip: workload.spec.hostNetwork ? node.ip : this.podIP(node),
    };
    workload.pods.push(pod);
    return eventsOf(this.picture.put(podManifest(workload, pod)));
  }

  private removePod(workload: Workload, pod: RunningPod): WatchEvent[] {
    workload.pods = workload.pods.filter((p) => p !== pod);
    return eventsOf(this.picture.remove("Pod", metadata(pod.name, workload.spec.namespace)));
  }

  private podIP(node: Node): string {
    const host = this.nextHost[node.index] ?? 2;
    // Skip .0, .1 (the node's gateway) and .255 when the range wraps around.
    this.nextHost[node.index] = host >= 254 ? 2 : host + 1;
    return `10.244.${node.index}.${host}`;
  }

  /** A new version ships: the template changes, and its pods replace the old ones step by step. */
  private startRollout(workload: Workload): WatchEvent[] {
    workload.template = newTemplate(this.random, nextVersion(workload.template.version));
    return this.rolloutStep(workload);
  }

  /**
   * One step of a Deployment's RollingUpdate with maxSurge 1 and maxUnavailable 0: a pod of the
   * new template comes up while there is room for it, else the oldest pod of an old one goes.
   */
  private rolloutStep(workload: Workload): WatchEvent[] {
    const fresh = workload.pods.filter((pod) => pod.template === workload.template);
    const stale = workload.pods.find((pod) => pod.template !== workload.template);
    if (fresh.length < workload.replicas && workload.pods.length <= workload.replicas)
      return this.addPod(workload);
    if (stale !== undefined) return this.removePod(workload, stale);
    return []; // not rolling out: a test catches a tick without a change
  }

  /** The autoscaler follows the day's traffic, between half and two more than the usual replicas. */
  private scale(workload: Workload): WatchEvent[] {
    const up =
      workload.replicas < workload.maxReplicas &&
      (workload.replicas <= workload.minReplicas || this.random.chance(0.5));
    if (up) {
      workload.replicas++;
      return this.addPod(workload);
    }
    workload.replicas--;
    const victim = this.random.pick(workload.pods);
    return this.removePod(workload, victim);
  }

  private flip(toggle: Toggle): WatchEvent[] {
    toggle.changed = !toggle.changed;
    const [initial, changed] = toggle.states;
    const next = toggle.changed ? changed : initial;
    const previous = toggle.changed ? initial : changed;
    if (next !== undefined) return eventsOf(this.picture.put(next));
    if (previous === undefined) return [];
    return eventsOf(this.picture.removeManifest(previous));
  }
}

/** The template as the manifest ships it: its image's digest when it pins one, its hash drawn. */
function initialTemplate(random: Random, spec: WorkloadSpec): Template {
  const drawn = newTemplate(random, spec.main.version);
  return spec.main.digest === undefined ? drawn : { ...drawn, digest: spec.main.digest };
}

function sameObject(a: Manifest, b: Manifest): boolean {
  return (
    a.kind === b.kind && a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name
  );
}

function kindOf(toggle: Toggle): string {
  const manifest = toggle.states[1] ?? toggle.states[0];
  return manifest?.kind ?? "";
}

function isRollingOut(workload: Workload): boolean {
  return workload.pods.some((pod) => pod.template !== workload.template);
}
