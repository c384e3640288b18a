// Raw Kubernetes objects as the API server returns them: plain JSON. The demo writes these and
// hands each to the engine's parseLiveObject, the same reader a real cluster goes through.

export type Json = string | number | boolean | null | readonly Json[] | JsonMap;

export interface JsonMap {
  readonly [key: string]: Json;
}

export type Labels = Readonly<Record<string, string>>;

export interface Metadata extends JsonMap {
  readonly name: string;
  readonly namespace?: string;
}

/** One API object: apiVersion, kind, metadata and whatever its kind carries (spec, rules…). */
export interface Manifest extends JsonMap {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Metadata;
}

export function metadata(
  name: string,
  namespace: string | undefined,
  labels: Labels = {},
  rest: JsonMap = {},
): Metadata {
  const base = { name, ...rest, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
  return namespace === undefined ? base : { ...base, namespace };
}
