import type { ExceptionInfo, Finding } from "@trustmap/shared";
import type { Labels, Pod } from "../objects/model";
import { CHECKS } from "./catalog";

// Accepted exceptions: findings a team has reviewed and accepts for a while (a CNI agent must be
// privileged). The file is reviewed like code:
//
//   exceptions:
//     - check: TM-WL-001
//       match: { namespace: kube-system, kind: DaemonSet, name: "calico-*" }
//       reason: The CNI agent programs the node's network; it must be privileged.
//       owner: platform-team
//       expires: 2027-06-30
//
// An exception holds up to and including its expiry day (UTC); from the next day on, its findings
// are findings again. The engine is told the time: it reads no clock.

/** Which objects an exception covers: every field given must match (globs: `*` any run, `?` one character). */
export interface ExceptionMatch {
  readonly namespace?: string;
  readonly kind?: string;
  readonly name?: string;
  /** Labels the pod must carry (pod findings only). */
  readonly labels?: Labels;
}

export interface AcceptedException {
  /** Its position in the file, from 0. */
  readonly index: number;
  readonly check: string;
  readonly match: ExceptionMatch;
  readonly reason: string;
  readonly owner: string;
  /** The last day it holds, "YYYY-MM-DD" (UTC). */
  readonly expires: string;
}

/** An exception as the wire carries it beside the finding it accepts. */
export function exceptionInfo(exception: AcceptedException): ExceptionInfo {
  const { index, check, reason, owner, expires } = exception;
  return { index, check, reason, owner, expires };
}

/** A problem with the exceptions file: which entry (from 0; undefined: the file) and field. */
export interface ExceptionsError {
  readonly entry: number | undefined;
  readonly field: string;
  readonly message: string;
}

export type ExceptionsResult =
  | { readonly ok: true; readonly exceptions: AcceptedException[] }
  | { readonly ok: false; readonly errors: ExceptionsError[] };

const CHECK_IDS = new Set(CHECKS.map((check) => check.id));
const ENTRY_FIELDS = new Set(["check", "match", "reason", "owner", "expires"]);
const MATCH_FIELDS = new Set(["namespace", "kind", "name", "labels"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** The exceptions of a parsed YAML or JSON document, or every problem with it. */
export function readExceptions(document: unknown): ExceptionsResult {
  const errors: ExceptionsError[] = [];
  if (!isRecord(document) || !Array.isArray(document.exceptions)) {
    return {
      ok: false,
      errors: [{ entry: undefined, field: "exceptions", message: "expected a list under `exceptions:`" }],
    };
  }
  for (const key of Object.keys(document))
    if (key !== "exceptions") errors.push({ entry: undefined, field: key, message: "unknown field" });
  const exceptions: AcceptedException[] = [];
  document.exceptions.forEach((entry: unknown, index: number) => {
    const fail = (field: string, message: string) => errors.push({ entry: index, field, message });
    if (!isRecord(entry)) {
      fail("", "expected a mapping with check, match, reason, owner and expires");
      return;
    }
    for (const key of Object.keys(entry)) if (!ENTRY_FIELDS.has(key)) fail(key, "unknown field");
    const text = (field: string): string => {
      const value = entry[field];
      if (typeof value === "string" && value.trim() !== "") return value;
      fail(field, "expected a non-empty string");
      return "";
    };
    const check = text("check");
    // A misspelt check would accept nothing, silently.
    if (check !== "" && !CHECK_IDS.has(check))
      fail(
        "check",
        `no check named ${JSON.stringify(check)} (the findings' ids, e.g. "privileged-container")`,
      );
    const reason = text("reason");
    const owner = text("owner");
    const expires = text("expires");
    if (expires !== "" && !isDay(expires))
      fail("expires", `expected a date YYYY-MM-DD, not ${JSON.stringify(expires)}`);
    const match = readMatch(entry.match, (field, message) => fail(`match.${field}`, message));
    if (match !== undefined) exceptions.push({ index, check, match, reason, owner, expires });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, exceptions };
}

function readMatch(
  value: unknown,
  fail: (field: string, message: string) => void,
): ExceptionMatch | undefined {
  if (!isRecord(value)) {
    fail("", "expected a mapping of namespace, kind, name and/or labels");
    return undefined;
  }
  const match: { namespace?: string; kind?: string; name?: string; labels?: Labels } = {};
  for (const key of Object.keys(value)) {
    if (!MATCH_FIELDS.has(key)) fail(key, "unknown field");
    else if (key === "labels") {
      const labels = value.labels;
      if (!isRecord(labels) || Object.values(labels).some((v) => typeof v !== "string")) {
        fail("labels", "expected a mapping of label names to string values");
      } else match.labels = labels as Labels;
    } else if (typeof value[key] !== "string" || value[key] === "") fail(key, "expected a non-empty string");
    else match[key as "namespace" | "kind" | "name"] = value[key] as string;
  }
  if (Object.keys(match).length === 0) fail("", "name at least one of namespace, kind, name, labels");
  return match;
}

/** A glob of `*` (any run of characters) and `?` (one character) matches the whole text. */
export function globMatches(glob: string, text: string): boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(text);
}

/** One object a finding is about: its evidence ("Kind/namespace/name") and, for a pod, its workload. */
interface Target {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly labels: Labels | undefined;
}

function targetsOf(finding: Finding, pod: Pod | undefined): Target[] {
  const out: Target[] = [];
  if (pod !== undefined)
    out.push({
      kind: pod.owner.kind,
      namespace: pod.owner.namespace,
      name: pod.owner.name,
      labels: pod.labels,
    });
  for (const ref of finding.objects) {
    const parts = ref.split("/");
    const kind = parts[0] ?? "";
    const isPod = pod !== undefined && parts.length >= 3 && parts[1] === pod.namespace;
    if (parts.length >= 3) {
      out.push({
        kind,
        namespace: parts[1],
        name: parts.slice(2).join("/"),
        labels: isPod ? pod.labels : undefined,
      });
    } else if (kind === "Namespace") {
      out.push({ kind, namespace: parts[1], name: parts[1] ?? "", labels: undefined });
    } else out.push({ kind, namespace: undefined, name: parts.slice(1).join("/"), labels: undefined });
  }
  return out;
}

function matchesTarget(match: ExceptionMatch, target: Target): boolean {
  if (
    match.namespace !== undefined &&
    (target.namespace === undefined || !globMatches(match.namespace, target.namespace))
  )
    return false;
  if (match.kind !== undefined && match.kind !== target.kind) return false;
  if (match.name !== undefined && !globMatches(match.name, target.name)) return false;
  if (match.labels !== undefined) {
    if (target.labels === undefined) return false;
    for (const [key, value] of Object.entries(match.labels)) if (target.labels[key] !== value) return false;
  }
  return true;
}

/** The first instant an exception no longer holds: the day after its expiry day, 00:00 UTC. */
export function expiresAt(exception: AcceptedException): number {
  return Date.parse(`${exception.expires}T00:00:00Z`) + 24 * 60 * 60 * 1000;
}

/** Whether an exception covers a finding, whatever the date. */
export function exceptionCovers(
  exception: AcceptedException,
  finding: Finding,
  pod: Pod | undefined,
): boolean {
  if (exception.check !== finding.id) return false;
  return targetsOf(finding, pod).some((target) => matchesTarget(exception.match, target));
}

/** How the exceptions judge one finding at `now` (milliseconds since the epoch). */
export type ExceptionVerdict =
  | { readonly state: "open" }
  | { readonly state: "accepted"; readonly exception: AcceptedException }
  /** Only expired exceptions cover it: a finding again, with the exception that lapsed. */
  | { readonly state: "expired"; readonly exception: AcceptedException };

const OPEN: ExceptionVerdict = { state: "open" };

/** The first exception in the file that covers the finding and holds at `now`, else the first lapsed one. */
export function judge(
  exceptions: readonly AcceptedException[],
  finding: Finding,
  pod: Pod | undefined,
  now: number,
): ExceptionVerdict {
  let lapsed: AcceptedException | undefined;
  for (const exception of exceptions) {
    if (exception.check !== finding.id) continue;
    if (!exceptionCovers(exception, finding, pod)) continue;
    if (now < expiresAt(exception)) return { state: "accepted", exception };
    lapsed ??= exception;
  }
  return lapsed === undefined ? OPEN : { state: "expired", exception: lapsed };
}

/** "FILE: entry 3, field match.name: expected a non-empty string" (entries counted from 1, as people do). */
export function formatExceptionsError(file: string, error: ExceptionsError): string {
  const where = error.entry === undefined ? "" : `entry ${error.entry + 1}, `;
  return `${file}: ${where}field ${error.field === "" ? "(the entry)" : error.field}: ${error.message}`;
}
