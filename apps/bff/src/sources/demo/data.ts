// The demo company as data: a folder of manifests (apps/bff/demo) read by the same reader as
// `trustmap analyze` and the files source. `cluster/` is the company as the day starts, workloads
// included; `changes/` holds the other state of objects the day flips back and forth.

import { loadInput } from "@trustmap/cli/load";
import { formatInputError, type InputDocument, parseCluster } from "@trustmap/engine";
import { bffPath } from "../../paths";
import type { JsonMap, Labels, Manifest } from "./manifest";
import { INITIAL_ORDER } from "./picture";
import { type Controller, parseImage, type WorkloadSpec } from "./workloads";

/** Where the shipped company is. */
export const DEMO_FOLDER = bffPath("demo/");

export interface CompanyData {
  /** The objects Trustmap reads (no pods: the workloads' controllers make those), in file order. */
  readonly objects: readonly Manifest[];
  /** The workloads whose pods the demo runs, rolls out and scales, in file order. */
  readonly workloads: readonly WorkloadSpec[];
  /**
   * The other state of objects the day flips: one with the kind, namespace and name of an object
   * in `objects` is an edit of it, any other one comes and goes.
   */
  readonly changes: readonly Manifest[];
}

/** The demo's data is wrong: every problem, each naming the file, document and field. */
export class DemoDataError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the demo company cannot be read:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "DemoDataError";
  }
}

const CONTROLLERS = new Set<string>(["Deployment", "StatefulSet", "DaemonSet"]);
/** What the demo shows besides pods: the kinds a real cluster's watch sends. */
const SHOWN = new Set<string>(INITIAL_ORDER.filter((kind) => kind !== "Pod"));

const cache = new Map<string, CompanyData>();

/** Reads a company folder once per process (the shipped one by default). */
export function readCompany(folder: string = DEMO_FOLDER): CompanyData {
  const cached = cache.get(folder);
  if (cached !== undefined) return cached;
  const problems: string[] = [];
  const read = (part: string): InputDocument[] => {
    const input = loadInput([`${folder}/${part}`], folder);
    problems.push(...input.errors);
    const parsed = parseCluster(input.documents);
    problems.push(...parsed.errors.map(formatInputError));
    return input.documents;
  };
  const cluster = read("cluster");
  const changes = read("changes");
  if (problems.length > 0) throw new DemoDataError(problems);
  const data = companyOf(cluster, changes);
  cache.set(folder, data);
  return data;
}

/**
 * Splits documents the engine's reader accepted into what the demo shows, the workloads it runs
 * and the changes it makes; throws DemoDataError for what the demo cannot run.
 */
export function companyOf(cluster: readonly InputDocument[], changes: readonly InputDocument[]): CompanyData {
  const problems: string[] = [];
  const objects: Manifest[] = [];
  const workloads: WorkloadSpec[] = [];
  for (const { source, object } of cluster) {
    const manifest = object as Manifest;
    if (CONTROLLERS.has(manifest.kind)) {
      const workload = workloadOf(manifest, source, problems);
      if (workload !== undefined) workloads.push(workload);
    } else if (SHOWN.has(manifest.kind)) objects.push(manifest);
    else
      problems.push(
        `${source}: ${manifest.kind} ${nameOf(manifest)}: the demo runs ${kinds()}, not ${manifest.kind}`,
      );
  }
  if (!cluster.some(({ object }) => (object as Manifest).kind === "Deployment"))
    problems.push("the demo needs at least one Deployment in cluster/ to roll out and scale");
  const changed: Manifest[] = [];
  for (const { source, object } of changes) {
    const manifest = object as Manifest;
    if (SHOWN.has(manifest.kind)) changed.push(manifest);
    else
      problems.push(
        `${source}: ${manifest.kind} ${nameOf(manifest)}: the demo changes ${[...SHOWN].join(", ")}, not ${manifest.kind}`,
      );
  }
  if (problems.length > 0) throw new DemoDataError(problems);
  return { objects, workloads, changes: changed };
}

function kinds(): string {
  return [...SHOWN, ...CONTROLLERS].join(", ");
}

function nameOf(manifest: Manifest): string {
  const { namespace, name } = manifest.metadata;
  return namespace === undefined ? name : `${namespace}/${name}`;
}

function isMap(value: unknown): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the controller needs of a workload the engine's reader accepted: its template and image. */
function workloadOf(manifest: Manifest, source: string, problems: string[]): WorkloadSpec | undefined {
  const where = `${source}: ${manifest.kind} ${nameOf(manifest)}`;
  const spec = manifest.spec;
  const template = isMap(spec) ? spec.template : undefined;
  const podSpec = isMap(template) ? template.spec : undefined;
  const containers = isMap(podSpec) ? podSpec.containers : undefined;
  const first = Array.isArray(containers) ? containers[0] : undefined;
  if (!isMap(spec) || !isMap(template) || !isMap(podSpec) || !isMap(first)) {
    problems.push(`${where}: spec.template.spec.containers: a pod template with a container is required`);
    return undefined;
  }
  const image = typeof first.image === "string" ? parseImage(first.image) : undefined;
  if (image === undefined) {
    problems.push(
      `${where}: spec.template.spec.containers[0].image: a rollout needs repository:version or repository:version@sha256:digest, not ${JSON.stringify(first.image)}`,
    );
    return undefined;
  }
  const replicas = spec.replicas ?? 1;
  if (manifest.kind !== "DaemonSet" && !(Number.isSafeInteger(replicas) && (replicas as number) >= 1)) {
    problems.push(`${where}: spec.replicas: the demo runs 1 or more, not ${JSON.stringify(replicas)}`);
    return undefined;
  }
  const metadata = isMap(template.metadata) ? template.metadata : {};
  return {
    namespace: manifest.metadata.namespace ?? "default",
    name: manifest.metadata.name,
    controller: manifest.kind as Controller,
    replicas: manifest.kind === "DaemonSet" ? 0 : (replicas as number),
    labels: (isMap(metadata.labels) ? metadata.labels : {}) as Labels,
    podSpec,
    main: image,
    hostNetwork: podSpec.hostNetwork === true,
  };
}
