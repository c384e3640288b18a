import type { Finding, Pillar, Severity } from "@trustmap/shared";
import type { ConnectivityIndex } from "../netpol/connectivity";
import type { Cluster } from "../objects/model";
import type { Rbac } from "../rbac/effective";

/** What every check reads: the cluster and the analyses already made of it. */
export interface FindingContext {
  readonly cluster: Cluster;
  readonly connectivity: ConnectivityIndex;
  readonly rbac: Rbac;
}

/** One rule of Trustmap's posture: what it checks, where it belongs, and how bad a hit is. */
export interface Check {
  readonly id: string;
  readonly pillar: Pillar;
  readonly severity: Severity;
  readonly title: string;
  readonly controls: readonly string[];
  run(context: FindingContext): CheckHit[];
}

/** One hit of a check: the evidence objects, the one-line message and the fix. */
export interface CheckHit {
  readonly objects: readonly string[];
  readonly message: string;
  readonly remediation: string;
  /** Overrides the check's severity where this hit is worse or milder than usual. */
  readonly severity?: Severity;
}

export function toFinding(check: Check, hit: CheckHit): Finding {
  return {
    id: check.id,
    pillar: check.pillar,
    severity: hit.severity ?? check.severity,
    objects: [...hit.objects],
    message: hit.message,
    remediation: hit.remediation,
    controls: [...check.controls],
  };
}

/** Quotes a name from the cluster inside a message, so that odd characters cannot blur it. */
export function quote(text: string): string {
  return /^[A-Za-z0-9._:/@-]+$/.test(text) ? text : JSON.stringify(text);
}

/** A YAML scalar that reads back as exactly `text`. */
export function yamlString(text: string): string {
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(text) &&
    !/^(true|false|null|yes|no|on|off|y|n|~|\d.*)$/i.test(text)
    ? text
    : JSON.stringify(text);
}
