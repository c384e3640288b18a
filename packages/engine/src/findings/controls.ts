import type { Framework } from "@trustmap/shared";

// The controls auditors ask about, as the findings name them ("CIS 5.2.2", "NSA-CISA Kubernetes
// Hardening Guide: Pod security"), resolved to their framework and title. CIS titles are those of
// section 5 (Policies) of the CIS Kubernetes Benchmark.

const CIS_TITLES: Readonly<Record<string, string>> = {
  "5.1.1": "Ensure that the cluster-admin role is only used where required",
  "5.1.2": "Minimize access to secrets",
  "5.1.3": "Minimize wildcard use in Roles and ClusterRoles",
  "5.1.4": "Minimize access to create pods",
  "5.1.5": "Ensure that default service accounts are not actively used",
  "5.1.6": "Ensure that Service Account Tokens are only mounted where necessary",
  "5.1.7": "Avoid use of system:masters group",
  "5.1.8": "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
  "5.1.13": "Minimize access to the service account token creation",
  "5.2.1": "Ensure that the cluster has at least one active policy control mechanism in place",
  "5.2.2": "Minimize the admission of privileged containers",
  "5.2.3": "Minimize the admission of containers wishing to share the host process ID namespace",
  "5.2.4": "Minimize the admission of containers wishing to share the host IPC namespace",
  "5.2.5": "Minimize the admission of containers wishing to share the host network namespace",
  "5.2.6": "Minimize the admission of containers with allowPrivilegeEscalation",
  "5.2.7": "Minimize the admission of root containers",
  "5.2.8": "Minimize the admission of containers with the NET_RAW capability",
  "5.2.9": "Minimize the admission of containers with added capabilities",
  "5.2.12": "Minimize the admission of HostPath volumes",
  "5.3.2": "Ensure that all Namespaces have Network Policies defined",
};

const NSA = "NSA-CISA Kubernetes Hardening Guide";

export interface Control {
  readonly framework: Framework;
  readonly control: string;
  readonly title: string;
}

export function controlOf(text: string): Control {
  if (text.startsWith("CIS ")) {
    const control = text.slice(4);
    return { framework: "CIS Kubernetes Benchmark", control, title: CIS_TITLES[control] ?? "" };
  }
  if (text.startsWith(`${NSA}: `)) {
    const section = text.slice(NSA.length + 2);
    return { framework: NSA, control: section, title: section };
  }
  return { framework: "Trustmap", control: text, title: text };
}

const FRAMEWORK_ORDER: readonly Framework[] = ["CIS Kubernetes Benchmark", NSA, "Trustmap"];

/** CIS by section number (5.2.10 after 5.2.9), then NSA-CISA by section, then the rest. */
export function compareControls(a: Control, b: Control): number {
  const framework = FRAMEWORK_ORDER.indexOf(a.framework) - FRAMEWORK_ORDER.indexOf(b.framework);
  if (framework !== 0) return framework;
  if (a.framework === "CIS Kubernetes Benchmark") {
    const x = a.control.split(".").map(Number);
    const y = b.control.split(".").map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? -1) - (y[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a.control < b.control ? -1 : a.control > b.control ? 1 : 0;
}
