export { CHECKS, compareFindings, findingsOf } from "./findings/catalog";
export type { Check, CheckHit, FindingContext } from "./findings/finding";
export { identityKey } from "./identity/identity";
export { computeConnectivity } from "./netpol/connectivity";
export { PortSet } from "./netpol/ports";
export { referenceConnectivity } from "./netpol/reference";
export type { Connectivity, ExternalAccess, PodConnection } from "./netpol/result";
export * from "./objects/model";
export { type InputDocument, type ParseResult, parseCluster } from "./objects/parse";
export { formatInputError, type InputError } from "./objects/reader";
export { computeRbac, type Grant, type Rbac, type SubjectRights } from "./rbac/effective";
export { analyze, analyzeLazily, type LazyReport, reportOf, wirePorts } from "./report/report";
export type { Delta } from "./state/changes";
export {
  ClusterState,
  KINDS,
  type Kind,
  type KindObjects,
  objectKey,
  type WatchEvent,
} from "./state/cluster-state";
export type { LiveIdentity } from "./state/netpol-index";
