// The API server's rules for names, labels and annotations (k8s.io/apimachinery/pkg/util/validation
// and api/validation/path), so that input Kubernetes would refuse is refused here too, naming the
// field, and input it accepts is read. Each function returns what is wrong, or undefined.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** qualifiedNameFmt and labelValueFmt: alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
/** apimachinery TotalAnnotationSizeLimitB: all keys and values of one object together, in bytes. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** batch validation: a CronJob's name leaves 11 characters for the Jobs it names after itself. */
const CRONJOB_NAME_MAX = 52;

/** validation.IsDNS1123Label: namespace names (and the label part of many other rules). */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > DNS1123_LABEL_MAX) return `must be no more than ${DNS1123_LABEL_MAX} characters`;
  if (!DNS1123_LABEL.test(value)) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (a DNS-1123 label)";
  }
  return undefined;
}

/** validation.IsDNS1123Subdomain: names of pods, workloads, NetworkPolicies and ServiceAccounts. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return `must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (a DNS-1123 subdomain)";
  }
  return undefined;
}

/**
 * path.ValidatePathSegmentName: names of RBAC objects, which appear as one segment of a URL path
 * and so may hold anything but '/' and '%' (e.g. `system:controller:job-controller`).
 */
export function pathSegmentNameProblem(value: string): string | undefined {
  if (value === "." || value === "..") return `may not be ${JSON.stringify(value)}`;
  if (value.includes("/")) return "may not contain '/'";
  if (value.includes("%")) return "may not contain '%'";
  return undefined;
}

/** Which rule a kind's metadata.name follows, as the API server's validation of that kind says. */
export function nameProblem(kind: string, name: string): string | undefined {
  switch (kind) {
    case "Namespace":
      return dns1123LabelProblem(name);
    case "Role":
    case "ClusterRole":
    case "RoleBinding":
    case "ClusterRoleBinding":
      return pathSegmentNameProblem(name);
    case "Service":
      // A Service's name is a DNS-1035 label (it becomes a DNS name of its own).
      if (name.length > 63) return "must be no more than 63 characters";
      if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name))
        return "must consist of lower case alphanumerics or '-', start with a letter and end with an alphanumeric";
      return undefined;
    case "CronJob":
      if (name.length > CRONJOB_NAME_MAX) return `must be no more than ${CRONJOB_NAME_MAX} characters`;
      return dns1123SubdomainProblem(name);
    default:
      return dns1123SubdomainProblem(name);
  }
}

/**
 * validation.IsQualifiedName: label and annotation keys, and selector keys. An optional prefix (a
 * DNS-1123 subdomain) and '/', then a name of at most 63 alphanumerics, '-', '_' or '.' that
 * starts and ends with an alphanumeric.
 */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split("/");
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix === "") return "prefix part must be non-empty";
    const problem = dns1123SubdomainProblem(prefix);
    if (problem !== undefined) return `prefix part ${problem}`;
  } else {
    return "a qualified name may hold at most one '/', between an optional DNS subdomain prefix and the name (e.g. 'example.com/MyName')";
  }
  if (name === "") return "name part must be non-empty";
  if (name.length > QUALIFIED_NAME_MAX)
    return `name part must be no more than ${QUALIFIED_NAME_MAX} characters`;
  if (!QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** validation.IsValidLabelValue: empty, or at most 63 characters of the qualified-name charset. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX) return `must be no more than ${LABEL_VALUE_MAX} characters`;
  if (value !== "" && !QUALIFIED_NAME.test(value)) {
    return "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

const encoder = new TextEncoder();

/** apimachinery ValidateAnnotationsSize: the byte length of every key and value, summed. */
export function annotationsSize(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    total += encoder.encode(key).length + encoder.encode(value).length;
  }
  return total;
}

const QUOTE_MAX = 80;

/** A value quoted for a message: escaped (no control characters reach a terminal) and kept short. */
export function quoted(value: string): string {
  const text = JSON.stringify(value);
  return text.length <= QUOTE_MAX ? text : `${text.slice(0, QUOTE_MAX - 2)}…" (${value.length} characters)`;
}

/** YAML's `.inf`, `-.inf` and `.nan` as the reader wrote them. */
export function nonFiniteText(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  return value > 0 ? ".inf" : "-.inf";
}
