import { decodeNodeId, type Explanation, type OpenExplanation, type Ports } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { explainIdentities, explainOpen, identitiesOfNode } from "./explain";
import { identityNodeId, nodeName } from "./scoped";
import { ANY_POD, OUTSIDE } from "./view";

// The explanation of an edge or a pair of view nodes, rolled up over the identities the nodes
// stand for. Workloads whose explanation reads the same are told once, with how many they are.

/** How many identity pairs (or open explanations) an answer lists at most. */
const LISTED = 50;

/** Why `from` may or may not reach `to` (view node ids); undefined when a node does not exist. */
export function explainEdge(state: ClusterState, from: string, to: string): Explanation | undefined {
  const answer = answerOf(state, from, to);
  if (answer === undefined) return undefined;
  // Headings show the ends by the names people use, never by their ids.
  return { ...answer, fromName: nodeName(state, from) ?? from, toName: nodeName(state, to) ?? to };
}

type Unnamed = Omit<Explanation, "fromName" | "toName">;

function answerOf(state: ClusterState, from: string, to: string): Unnamed | undefined {
  if (from === ANY_POD || from === OUTSIDE) return openAnswer(state, to, from, "ingress", from, to);
  if (to === ANY_POD || to === OUTSIDE) return openAnswer(state, from, to, "egress", from, to);
  const sources = identitiesOfNode(state, from);
  const targets = identitiesOfNode(state, to);
  if (sources.length === 0 || targets.length === 0) return undefined;
  const pairs = [];
  for (const s of sources) {
    for (const d of targets) {
      pairs.push(explainIdentities(state, nodeIdOf(s, from), s, nodeIdOf(d, to), d));
    }
  }
  pairs.sort((a, b) => Number(a.ports === null) - Number(b.ports === null));
  const allowed = pairs.filter((p) => p.ports !== null);
  const ports = unionPorts(allowed.map((p) => p.ports!));
  const summary =
    pairs.length === 1
      ? [...pairs[0]!.summary]
      : [
          `${allowed.length} of ${pairs.length} workload pairs may connect${
            ports === null ? "" : `; together on ${ports === "all" ? "every port" : "the ports listed"}`
          }.`,
        ];
  return { from, to, ports, pairs: pairs.slice(0, LISTED), open: [], pairCount: pairs.length, summary };
}

/**
 * The node a pair's end is told as: the pod asked about, else the workload itself, also when
 * the node asked about stands for many (a namespace, a group of namespaces or of workloads), so
 * that each pair names its own ends.
 */
function nodeIdOf(identity: LiveIdentity, requested: string): string {
  return decodeNodeId(requested)?.kind === "pod" ? requested : identityNodeId(identity);
}

/** An edge with "any pod" or outside: only the node's own side decides, workload by workload. */
function openAnswer(
  state: ClusterState,
  nodeId: string,
  other: typeof ANY_POD | typeof OUTSIDE,
  direction: "ingress" | "egress",
  from: string,
  to: string,
): Unnamed | undefined {
  const identities = identitiesOfNode(state, nodeId);
  if (identities.length === 0) return undefined;
  const open = alike(identities.map((identity) => explainOpen(nodeId, identity, other, direction)));
  const ports = unionPorts(open.flatMap((o) => (o.side.ports === null ? [] : [o.side.ports])));
  // The lines of each answer are told below it; the summary only counts, so no line is told twice.
  const workloads = identities.length === 1 ? "1 workload" : `${identities.length} workloads`;
  const summary = [
    open.length === 1
      ? `${workloads}, one answer:`
      : `${workloads}, ${open.length} different answers; see each below.`,
  ];
  return { from, to, ports, pairs: [], open: open.slice(0, LISTED), pairCount: identities.length, summary };
}

/** Explanations that read the same, line for line and rule for rule, told once with their count. */
function alike(explanations: readonly OpenExplanation[]): OpenExplanation[] {
  const groups = new Map<string, { first: OpenExplanation; count: number }>();
  for (const explanation of explanations) {
    const key = JSON.stringify([explanation.summary, explanation.side]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: explanation, count: 1 });
    else group.count++;
  }
  return [...groups.values()].map(({ first, count }) => ({ ...first, alike: count }));
}

/** The union of wire port lists ("all" absorbs the rest); null for none. */
function unionPorts(list: readonly Ports[]): Ports | null {
  if (list.length === 0) return null;
  if (list.some((p) => p === "all")) return "all";
  const seen = new Map<string, Exclude<Ports, "all">[number]>();
  for (const ports of list as Exclude<Ports, "all">[]) for (const p of ports) seen.set(JSON.stringify(p), p);
  return [...seen.values()];
}
