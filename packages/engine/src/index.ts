export { CHECKS, computeFindings } from "./findings/catalog";
export type { Check, CheckHit, FindingContext } from "./findings/finding";
export { groupIdentities, type Identity } from "./identity/identity";
export {
  ConnectivityIndex,
  computeConnectivity,
  connectionsOf,
  connectivityOf,
  externalOf,
} from "./netpol/connectivity";
export { PortSet } from "./netpol/ports";
export { referenceConnectivity } from "./netpol/reference";
export type { Connectivity, ExternalAccess, PodConnection } from "./netpol/result";
export * from "./objects/model";
export { type InputDocument, type ParseResult, parseCluster } from "./objects/parse";
export { formatInputError, type InputError } from "./objects/reader";
export { computeRbac, type Grant, type Rbac, type SubjectRights } from "./rbac/effective";
export { analyze, analyzeLazily, type LazyReport, wirePorts } from "./report/report";
