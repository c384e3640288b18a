import { z } from "zod";
import { ExposurePath } from "./exposure";

// The JSON report of `trustmap analyze`: a public contract. Its JSON Schema is published as
// packages/shared/report.schema.json (generated from these schemas; a test keeps them in step).

export const Protocol = z.enum(["TCP", "UDP", "SCTP"]);

/** A port entry: without `port`, every port of the protocol; with `endPort`, the range port..endPort. */
export const PortEntry = z
  .object({
    protocol: Protocol,
    port: z.number().int().min(1).max(65535).optional(),
    endPort: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

/** "all": every port of every protocol. */
export const Ports = z.union([z.literal("all"), z.array(PortEntry).min(1)]);

export const PodSummary = z
  .object({ namespace: z.string(), name: z.string(), labels: z.record(z.string(), z.string()) })
  .strict();

export const Connection = z.object({ from: z.string(), to: z.string(), ports: Ports }).strict();

export const ExternalAccess = z
  .object({
    pod: z.string(),
    direction: z.enum(["ingress", "egress"]),
    cidr: z.string(),
    except: z.array(z.string()),
    ports: Ports,
  })
  .strict();

export const GrantedBy = z.object({ binding: z.string(), role: z.string() }).strict();

export const RbacRule = z
  .object({
    namespace: z.string(),
    apiGroups: z.array(z.string()).optional(),
    resources: z.array(z.string()).optional(),
    resourceNames: z.array(z.string()).optional(),
    nonResourceURLs: z.array(z.string()).optional(),
    verbs: z.array(z.string()),
    grantedBy: GrantedBy,
  })
  .strict();

export const SubjectKind = z.enum(["User", "Group", "ServiceAccount"]);

export const RbacSubject = z
  .object({
    kind: SubjectKind,
    namespace: z.string().optional(),
    name: z.string(),
    rules: z.array(RbacRule),
  })
  .strict();

export const Pillar = z.enum([
  "network-segmentation",
  "least-privilege",
  "workload-isolation",
  "admission-enforcement",
  "secrets",
  "service-mesh-mtls",
  "immutability",
]);

export const Severity = z.enum(["critical", "high", "medium", "low", "info"]);

export const Finding = z
  .object({
    id: z.string(),
    pillar: Pillar,
    severity: Severity,
    objects: z.array(z.string()).min(1),
    message: z.string(),
    remediation: z.string(),
    controls: z.array(z.string()),
  })
  .strict();

/** The exception a finding is accepted by: its place in the file, why, who decided and until when. */
export const ExceptionInfo = z
  .object({
    index: z.number().int(),
    check: z.string(),
    reason: z.string(),
    owner: z.string(),
    expires: z.string(),
  })
  .strict();
export type ExceptionInfo = z.infer<typeof ExceptionInfo>;

export const AcceptedFinding = z.object({ finding: Finding, exception: ExceptionInfo }).strict();
export type AcceptedFinding = z.infer<typeof AcceptedFinding>;

export const Report = z
  .object({
    schemaVersion: z.literal(1),
    pods: z.array(PodSummary),
    connections: z.array(Connection),
    external: z.array(ExternalAccess),
    rbac: z.object({ subjects: z.array(RbacSubject) }).strict(),
    findings: z.array(Finding),
    /** What Services, Ingresses and Gateway routes publish outside the cluster, path by path. */
    exposure: z.array(ExposurePath).optional(),
    /** Findings an accepted exception covers (`--exceptions FILE`), apart from the findings. */
    accepted: z.array(AcceptedFinding).optional(),
  })
  .strict();

export type Protocol = z.infer<typeof Protocol>;
export type PortEntry = z.infer<typeof PortEntry>;
export type Ports = z.infer<typeof Ports>;
export type PodSummary = z.infer<typeof PodSummary>;
export type Connection = z.infer<typeof Connection>;
export type ExternalAccess = z.infer<typeof ExternalAccess>;
export type RbacRule = z.infer<typeof RbacRule>;
export type RbacSubject = z.infer<typeof RbacSubject>;
export type Pillar = z.infer<typeof Pillar>;
export type Severity = z.infer<typeof Severity>;
export type Finding = z.infer<typeof Finding>;
export type Report = z.infer<typeof Report>;

export const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export const PILLAR_TITLES: Readonly<Record<Pillar, string>> = {
  "network-segmentation": "Network segmentation",
  "least-privilege": "Least privilege",
  "workload-isolation": "Workload isolation",
  "admission-enforcement": "Admission enforcement",
  secrets: "Secrets",
  "service-mesh-mtls": "Service mesh mTLS",
  immutability: "Immutability",
};

/** The report's JSON Schema, as published in report.schema.json. */
export function reportJsonSchema(): unknown {
  return z.toJSONSchema(Report, { target: "draft-2020-12" });
}
