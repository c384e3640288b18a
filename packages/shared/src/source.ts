import { z } from "zod";

/** Where the BFF reads the cluster from. */
export const SourceInfo = z
  .object({
    kind: z.enum(["kubernetes", "demo", "files"]),
    /** The kubeconfig context, the demo's name, or the directory. */
    name: z.string(),
    /** The API server's URL (Kubernetes only). */
    server: z.string().optional(),
    /** True for the embedded demo company: the UI says so plainly. */
    demo: z.boolean(),
  })
  .strict();
export type SourceInfo = z.infer<typeof SourceInfo>;

/**
 * The state of the connection to the source, as the status stream and /api/health report it.
 * "degraded": read, but not all of it is sound (a manifest unreadable or invalid): the message
 * names what, and what is shown in its place.
 */
export const SourceStatus = z
  .object({
    state: z.enum(["connecting", "connected", "degraded", "reconnecting", "failed"]),
    /** When the source entered this state (ISO 8601). */
    since: z.string(),
    /** What went wrong, for every state but connected. */
    message: z.string().optional(),
    /** When the next attempt is due, while reconnecting. */
    retryInMs: z.number().int().nonnegative().optional(),
  })
  .strict();
export type SourceStatus = z.infer<typeof SourceStatus>;
