import type { SourceStatus } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { statusLine } from "./status";

const time = (ms: number | string) => `T(${ms})`;
const connected: SourceStatus = { state: "connected", since: "2026-01-01T00:00:00Z" };
const reconnecting: SourceStatus = {
  state: "reconnecting",
  since: "2026-01-01T00:01:00Z",
  message: "watch failed",
};

describe("the status line says only what is known", () => {
  it("is connecting, never reconnecting, before the stream was ever open", () => {
    expect(statusLine({ open: false, opened: false, since: 5, time })).toEqual({
      text: "connecting to Trustmap…",
      tone: "wait",
    });
  });

  it("is reconnecting since the loss once an open stream was lost", () => {
    expect(statusLine({ open: false, opened: true, since: 7, source: connected, time }).text).toBe(
      "reconnecting to Trustmap since T(7)",
    );
  });

  it("says connected only when the stream is open and the source said connected", () => {
    expect(statusLine({ open: true, opened: true, time }).text).toBe("connecting to Trustmap…");
    expect(statusLine({ open: true, opened: true, hello: { status: connected }, time })).toEqual({
      text: "connected",
      tone: "good",
    });
    expect(statusLine({ open: true, opened: true, source: reconnecting, time })).toEqual({
      text: "reconnecting since T(2026-01-01T00:01:00Z): watch failed",
      tone: "wait",
    });
    expect(statusLine({ open: true, opened: true, source: { state: "failed", since: "x" }, time }).tone).toBe(
      "bad",
    );
  });

  it("says degraded, in amber, with what is wrong and what stands in for it", () => {
    const degraded: SourceStatus = {
      state: "degraded",
      since: "2026-01-01T00:02:00Z",
      message: "1 problem in manifests/deny.yaml; showing the last good objects of manifests/deny.yaml",
    };
    expect(statusLine({ open: true, opened: true, source: degraded, time })).toEqual({
      text: "degraded since T(2026-01-01T00:02:00Z): 1 problem in manifests/deny.yaml; showing the last good objects of manifests/deny.yaml",
      tone: "wait",
    });
  });
});
