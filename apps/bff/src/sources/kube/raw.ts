import type { Kind } from "@trustmap/engine";
import { CLUSTER_KINDS } from "@trustmap/shared";

// Reading the few fields of a raw API object that the source itself needs (identity, resourceVersion,
// pod phase). Everything else is read by the engine's parseLiveObject.

export type RawRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is RawRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function metadataOf(raw: unknown): RawRecord | undefined {
  if (!isRecord(raw)) return undefined;
  return isRecord(raw.metadata) ? raw.metadata : undefined;
}

/** The object's resourceVersion: an opaque string, only ever passed back to the API server. */
export function resourceVersionOf(raw: unknown): string | undefined {
  const version = metadataOf(raw)?.resourceVersion;
  return typeof version === "string" && version !== "" ? version : undefined;
}

const CLUSTER_SCOPED: ReadonlySet<Kind> = CLUSTER_KINDS;

/**
 * The key `objectKey` from the engine gives the trimmed object, computed from the raw metadata:
 * needed for objects that cannot be read (their previous version must leave the picture) and for
 * DELETED events. Mirrors parseLiveObject's identity rules (a namespaced object without
 * namespace is in "default"); a test holds the two to the same answer.
 */
export function rawKey(kind: Kind, raw: unknown): string | undefined {
  const metadata = metadataOf(raw);
  const name = metadata?.name;
  if (typeof name !== "string" || name === "") return undefined;
  if (CLUSTER_SCOPED.has(kind)) return kind === "Namespace" ? name : `${kind}/${name}`;
  const declared = metadata?.namespace;
  const namespace = typeof declared === "string" && declared !== "" ? declared : "default";
  if (kind === "Role" || kind === "RoleBinding") return `${kind}/${namespace}/${name}`;
  return `${namespace}/${name}`;
}

/**
 * A pod whose phase is Succeeded or Failed has stopped all its containers for good and holds no
 * IP address: it takes no part in traffic, so the picture leaves it out.
 */
export function hasFinished(raw: unknown): boolean {
  if (!isRecord(raw) || !isRecord(raw.status)) return false;
  const phase = raw.status.phase;
  return phase === "Succeeded" || phase === "Failed";
}
