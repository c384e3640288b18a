import type { SourceStatus } from "@trustmap/shared";

export interface StatusInput {
  /** The page's stream to Trustmap: open now, ever open, and since when in its state. */
  readonly open: boolean;
  readonly opened: boolean;
  readonly since?: number;
  /** The cluster source's state as Trustmap last reported it; unknown until the first report. */
  readonly source?: SourceStatus | undefined;
  readonly hello?: { readonly status: SourceStatus } | undefined;
  readonly time: (ms: number | string) => string;
}

/**
 * The status line, saying only what is known: "connected" only when the stream is open and the
 * source reported connected; "reconnecting" only after a stream that was open was lost;
 * "degraded" (amber, with what is wrong) when the source read its input but not all of it soundly.
 */
export function statusLine(input: StatusInput): { text: string; tone: "good" | "wait" | "bad" } {
  if (!input.open) {
    return input.opened
      ? { text: `reconnecting to Trustmap since ${input.time(input.since ?? Date.now())}`, tone: "wait" }
      : { text: "connecting to Trustmap…", tone: "wait" };
  }
  const source = input.source ?? input.hello?.status;
  if (source === undefined) return { text: "connecting to Trustmap…", tone: "wait" };
  if (source.state === "connected") return { text: "connected", tone: "good" };
  return {
    text: `${source.state} since ${input.time(source.since)}${source.message ? `: ${source.message}` : ""}`,
    tone: source.state === "failed" ? "bad" : "wait",
  };
}
