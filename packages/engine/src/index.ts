export { type ExposureReadable, exposureAnswer, exposureEdges } from "./exposure/answer";
export { GATEWAY_NAME_LABEL, INGRESS_CONTROLLER_NAMES } from "./exposure/paths";
export { CHECKS, compareFindings, findingsOf } from "./findings/catalog";
export { controlOf } from "./findings/controls";
export {
  type AcceptedException,
  type ExceptionsError,
  type ExceptionsResult,
  expiresAt,
  formatExceptionsError,
  judge,
  readExceptions,
} from "./findings/exceptions";
export {
  type Check,
  type CheckHit,
  type FindingContext,
  findingReadable,
  namespacesOfFinding,
  type Readable,
  refReadable,
  wholeNamespaces,
} from "./findings/finding";
export { FIX_FIRST_SCORING, type FixFirstEntry, fixFirst } from "./findings/fix-first";
export {
  acceptedFindings,
  analyzeGaps,
  type GapsAnalysis,
  type GapsInput,
  gapsAnswer,
  judgeFindings,
  pageGaps,
} from "./findings/gaps";
export { type IndexedFinding, indexFindings } from "./findings/groups";
export { isDefaultDeny } from "./findings/network";
export { filterFindings, findingsPage } from "./findings/page";
export { FindingsReader, isSubjectFinding } from "./findings/reader";
export { identityKey } from "./identity/identity";
export { computeConnectivity } from "./netpol/connectivity";
export { PortSet } from "./netpol/ports";
export { referenceConnectivity } from "./netpol/reference";
export type { Connectivity, ExternalAccess, PodConnection } from "./netpol/result";
export { manifestOf } from "./objects/manifest";
export * from "./objects/model";
export {
  type InputDocument,
  type LiveKind,
  type LiveObject,
  type LiveObjectResult,
  type ParseResult,
  parseCluster,
  parseLiveObject,
} from "./objects/parse";
export { formatInputError, type InputError } from "./objects/reader";
export { dns1123LabelProblem } from "./objects/validation";
// Posture over time
export { causesOf } from "./posture/cause";
export {
  causesBetween,
  compareEntriesOf,
  diffPostures,
  type Gate,
  gateText,
  parseGate,
  postureDiff,
  postureOf,
  trips,
} from "./posture/diff";
export { type DraftEdit, type DraftReading, deletionKey, editKey, putsOf, withDraft } from "./posture/draft";
export { ANY_END, OUTSIDE_END, PostureLedger, replay, rightKey } from "./posture/ledger";
export { NOTABLE, type Notable, notableReasons } from "./posture/notable";
export { type OverlayInput, overlayOf } from "./posture/overlay";
export { type Proposal, proposePolicies, type WantedConnection } from "./posture/propose";
// The API's answers, read from the state
export {
  canIAnswer,
  grantReadable,
  matrixPage,
  matrixRows,
  readableMatrixRows,
  readableRights,
  whoCanAnswer,
  wireRow,
} from "./rbac/answers";
export { type ResourceRequest, subjectAllows } from "./rbac/authorize";
export { computeRbac, type Grant, type Rbac, type SubjectRights } from "./rbac/effective";
export {
  type CellGrant,
  compareRows,
  filterRow,
  type MatrixCell,
  type MatrixQuery,
  type MatrixRow,
  matrixRow,
  type RulesOf,
} from "./rbac/matrix";
export {
  type CanIAnswer,
  canI,
  type GrantTrace,
  type WhoCanEntry,
  type WhoCanQuestion,
  whoCan,
} from "./rbac/questions";
export { BUILT_IN_GROUPS, type ResourceQuery, resourceQueryOf } from "./rbac/resources";
export { compareRanked, type Ranked, RISK_SEVERITY, type RiskId, riskSeverity } from "./rbac/risk";
export { roleRef } from "./rbac/roles";
export { type Subject, subjectRef } from "./rbac/subjects";
export {
  controlSections,
  type EvidenceInput,
  type ExcerptLimits,
  evidenceReport,
  excerptOf,
  pillarSummaries,
} from "./report/evidence";
export { analyze, analyzeLazily, type LazyReport, reportOf, wirePorts } from "./report/report";
export { type EvidenceQuestion, scopeEvidence } from "./report/scope";
export type { Delta } from "./state/changes";
export type { LocatedFinding } from "./state/cluster-state";
export {
  ClusterState,
  initialEvents,
  KINDS,
  type Kind,
  type KindObjects,
  objectKey,
  type WatchEvent,
} from "./state/cluster-state";
export type { LiveIdentity } from "./state/netpol-index";
export {
  describePorts,
  explainIdentities,
  explainOpen,
  identitiesOfNode,
} from "./views/explain";
export { explainEdge } from "./views/explain-edge";
export {
  GroupedView,
  type Grouping,
  type Groupings,
  groupedNamespaceView,
  groupGraph,
  groupingKeys,
  workloadGroupingKeys,
} from "./views/grouped";
export {
  clusterCounts,
  defaultDenyOf,
  emptySeverityCounts,
  namespaceSummaries,
  readableCounts,
} from "./views/namespaces";
export { nodeDetails } from "./views/node-details";
export { type ViewPresence, viewPresence } from "./views/presence";
export { type ReachQuestion, reachOf } from "./views/reach";
export { groupValue, identityLabel, identityNodeId, namespaceNodeId, nodeName } from "./views/scoped";
export { searchNodes } from "./views/search";
export { ANY_POD, diffSnapshots, OUTSIDE, type ViewPatch as EngineViewPatch } from "./views/view";
export { NamespaceView, OverviewView, type Places, type View, WorkloadView } from "./views/views";
