import type { ContainerSecurity, Pod } from "../objects/model";
import { refString } from "../objects/model";
import { type Check, podCheck, quote, type ScopedCheck } from "./finding";

type CheckInfo = Omit<ScopedCheck<"pod">, "run" | "test" | "hit" | "scope">;

const podNames = new WeakMap<Pod, string>();

/** How findings about a pod name it: its source's kind and name ("Pod \"shop/web-1\""). */
export function podName(pod: Pod): string {
  let name = podNames.get(pod);
  if (name === undefined) {
    // The source, not the pod: a stand-in pod's name may carry its kind ("redis (StatefulSet)").
    name = `${pod.source.kind} ${quote(`${pod.namespace}/${pod.source.name}`)}`;
    podNames.set(pod, name);
  }
  return name;
}

/** One hit per pod whose containers fail `test`, naming the containers. */
function containerCheck(
  info: CheckInfo,
  test: (container: ContainerSecurity, pod: Pod) => boolean,
  problem: string,
  remediation: string,
): Check {
  return podCheck(
    info,
    (pod) => {
      for (const container of pod.security.containers) if (test(container, pod)) return true;
      return false;
    },
    (pod) => {
      const failing = pod.security.containers.filter((container) => test(container, pod));
      return {
        objects: [refString(pod.source)],
        message: `${podName(pod)}, container${failing.length > 1 ? "s" : ""} ${failing
          .map((c) => quote(c.name))
          .join(", ")}: ${problem}.`,
        remediation,
      };
    },
  );
}

/** One hit per pod for which `test` holds. */
function simplePodCheck(
  info: CheckInfo,
  test: (pod: Pod) => boolean,
  problem: string,
  remediation: string,
): Check {
  return podCheck(info, test, (pod) => ({
    objects: [refString(pod.source)],
    message: `${podName(pod)} ${problem}.`,
    remediation,
  }));
}

const ISOLATION = "workload-isolation" as const;

const runsAsRoot = (container: ContainerSecurity, pod: Pod): boolean => {
  const user = container.runAsUser ?? pod.security.runAsUser;
  if (user === 0) return true;
  const nonRoot = container.runAsNonRoot ?? pod.security.runAsNonRoot;
  return user === undefined && nonRoot !== true;
};

const imageIsPinned = (image: string): boolean => /@sha256:[0-9a-f]{64}$/.test(image);

export const workloadChecks: readonly Check[] = [
  containerCheck(
    {
      id: "privileged-container",
      pillar: ISOLATION,
      severity: "critical",
      title: "Privileged container",
      controls: ["CIS 5.2.2"],
    },
    (c) => c.privileged === true,
    "privileged, with every device and capability of the node",
    "securityContext:\n  privileged: false",
  ),
  simplePodCheck(
    {
      id: "host-network",
      pillar: ISOLATION,
      severity: "high",
      title: "Pod shares the node's network",
      controls: ["CIS 5.2.5"],
    },
    (pod) => pod.security.hostNetwork,
    "uses hostNetwork: it sees the node's interfaces and bypasses NetworkPolicy in most CNIs",
    "spec:\n  hostNetwork: false",
  ),
  simplePodCheck(
    {
      id: "host-pid",
      pillar: ISOLATION,
      severity: "high",
      title: "Pod shares the node's process namespace",
      controls: ["CIS 5.2.3"],
    },
    (pod) => pod.security.hostPID,
    "uses hostPID: it sees and can signal every process of the node",
    "spec:\n  hostPID: false",
  ),
  simplePodCheck(
    {
      id: "host-ipc",
      pillar: ISOLATION,
      severity: "high",
      title: "Pod shares the node's IPC namespace",
      controls: ["CIS 5.2.4"],
    },
    (pod) => pod.security.hostIPC,
    "uses hostIPC: it shares memory and semaphores with the node's processes",
    "spec:\n  hostIPC: false",
  ),
  podCheck(
    {
      id: "host-path-volume",
      pillar: ISOLATION,
      severity: "high",
      title: "Pod mounts a hostPath volume",
      controls: ["CIS 5.2.12"],
    },
    (pod) => pod.security.hostPathVolumes.length > 0,
    (pod) => ({
      objects: [refString(pod.source)],
      message: `${podName(pod)} mounts the node's ${pod.security.hostPathVolumes.map((p) => quote(p)).join(", ")} (hostPath).`,
      remediation: "Use a persistentVolumeClaim, configMap, secret or emptyDir volume instead of hostPath.",
    }),
  ),
  podCheck(
    {
      id: "added-capabilities",
      pillar: ISOLATION,
      severity: "medium",
      title: "Container adds Linux capabilities",
      controls: ["CIS 5.2.8", "CIS 5.2.9"],
    },
    (pod) => pod.security.containers.some((c) => c.capabilitiesAdd.length > 0),
    (pod) => {
      const adding = pod.security.containers.filter((c) => c.capabilitiesAdd.length > 0);
      const strong = adding.some((c) =>
        c.capabilitiesAdd.some((cap) =>
          /^(CAP_)?(SYS_ADMIN|ALL|NET_ADMIN|SYS_PTRACE|SYS_MODULE)$/i.test(cap),
        ),
      );
      return {
        objects: [refString(pod.source)],
        ...(strong ? { severity: "high" as const } : {}),
        message: `${podName(pod)} adds capabilities: ${adding
          .map((c) => `${quote(c.name)} [${c.capabilitiesAdd.map((cap) => quote(cap)).join(", ")}]`)
          .join("; ")}.`,
        remediation:
          'securityContext:\n  capabilities:\n    drop: ["ALL"]\n    # add back only what the process needs, e.g. NET_BIND_SERVICE',
      };
    },
    true,
  ),
  containerCheck(
    {
      id: "run-as-root",
      pillar: ISOLATION,
      severity: "medium",
      title: "Container may run as root",
      controls: ["CIS 5.2.7"],
    },
    runsAsRoot,
    "may run as root (no runAsNonRoot: true and no non-zero runAsUser)",
    "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
  ),
  containerCheck(
    {
      id: "privilege-escalation-allowed",
      pillar: ISOLATION,
      severity: "medium",
      title: "Container allows privilege escalation",
      controls: ["CIS 5.2.6"],
    },
    (c) => c.allowPrivilegeEscalation !== false,
    "privilege escalation allowed (allowPrivilegeEscalation is not false)",
    "securityContext:\n  allowPrivilegeEscalation: false",
  ),
  podCheck(
    {
      id: "automount-service-account-token",
      pillar: "secrets",
      severity: "medium",
      title: "Service account token mounted automatically",
      controls: ["CIS 5.1.6"],
    },
    // The pod's own setting wins over its service account's; both default to true.
    (pod, context) =>
      pod.automountServiceAccountToken ??
      context.serviceAccount(pod.namespace, pod.serviceAccountName)?.automountServiceAccountToken !== false,
    (pod) => ({
      objects: [refString(pod.source), `ServiceAccount/${pod.namespace}/${pod.serviceAccountName}`],
      message: `${podName(pod)} gets the token of service account ${quote(pod.serviceAccountName)} mounted automatically; whoever takes over the pod can call the API server as it.`,
      remediation:
        "spec:\n  automountServiceAccountToken: false\n# or on the ServiceAccount; mount a projected token only where the pod calls the API",
    }),
  ),
  containerCheck(
    {
      id: "image-mutable-tag",
      pillar: "immutability",
      severity: "medium",
      title: "Image referenced by a mutable tag",
      controls: ["NSA-CISA Kubernetes Hardening Guide: Immutable containers"],
    },
    (c) => c.image !== "" && !imageIsPinned(c.image),
    "image by tag, not by digest: what runs can change without any change to the manifest",
    "image: registry.example/app@sha256:<digest>  # pin by digest; tools such as crane digest print it",
  ),
  containerCheck(
    {
      id: "writable-root-filesystem",
      pillar: "immutability",
      severity: "low",
      title: "Container root filesystem is writable",
      controls: ["NSA-CISA Kubernetes Hardening Guide: Immutable container file systems"],
    },
    (c) => c.readOnlyRootFilesystem !== true,
    "root filesystem writable (readOnlyRootFilesystem is not true)",
    "securityContext:\n  readOnlyRootFilesystem: true\n# mount an emptyDir where the process must write",
  ),
];
