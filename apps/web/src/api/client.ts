import type { z } from "zod";

/** A failed API call, with the BFF's own message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs an API path and parses the answer with its schema (parse, don't trust). */
export async function getJson<S extends z.ZodType>(
  path: string,
  schema: S,
  signal?: AbortSignal,
): Promise<z.infer<S>> {
  const response = await fetch(path, signal === undefined ? {} : { signal });
  if (!response.ok) throw await failureOf(response);
  return schema.parse(await response.json());
}

/** A failed answer as an ApiFailure with the BFF's own message ({"error": …}), or the status text. */
export async function failureOf(response: Response): Promise<ApiFailure> {
  const body: unknown = await response.json().catch(() => undefined);
  const message =
    typeof body === "object" && body !== null && "error" in body ? String(body.error) : response.statusText;
  return new ApiFailure(response.status, message);
}

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "" || value === false) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
