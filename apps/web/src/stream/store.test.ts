import type { ViewPatch, ViewSnapshot } from "@trustmap/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StreamStore, type ViewChange } from "./store";

/** The browser's EventSource at the edge of the unit: the test plays the server. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  readonly listeners = new Map<string, ((event: { data: string; lastEventId: string }) => void)[]>();
  closed = false;

  constructor(readonly url: URL) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(name: string, listener: (event: { data: string; lastEventId: string }) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  send(name: string, data: unknown, id = ""): void {
    for (const listener of this.listeners.get(name) ?? [])
      listener({ data: JSON.stringify(data), lastEventId: id });
  }
}

const node = (id: string, pods = 1) => ({
  id,
  kind: "namespace" as const,
  label: id,
  pods,
  openIngressPods: 0,
  openEgressPods: 0,
});

beforeEach(() => {
  FakeEventSource.opened = [];
  Object.assign(globalThis, {
    EventSource: FakeEventSource,
    window: { location: { origin: "http://localhost" } },
  });
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, "EventSource");
  Reflect.deleteProperty(globalThis, "window");
});

describe("the tab's stream store", () => {
  it("builds each view from its snapshot and patches, and tells the view's holder each change", () => {
    const store = new StreamStore();
    store.watch(["overview"]);
    const source = FakeEventSource.opened[0]!;
    expect(source.url.searchParams.getAll("view")).toEqual(["overview"]);
    const changes: ViewChange[] = [];
    store.onView("overview", (change) => changes.push(change));
    const snapshot: ViewSnapshot = {
      view: "overview",
      revision: 3,
      nodes: [node("ns:a"), node("ns:b")],
      edges: [],
    };
    source.send("snapshot", snapshot, "overview=3");
    const patch: ViewPatch = {
      view: "overview",
      base: 3,
      revision: 7,
      putNodes: [node("ns:a", 5)],
      removeNodes: ["ns:b"],
      putEdges: [],
      removeEdges: [],
    };
    source.send("patch", patch, "overview=7");
    const view = store.view("overview")!;
    expect(view.revision).toBe(7);
    expect([...view.nodes.values()]).toEqual([node("ns:a", 5)]);
    expect(changes.map((c) => c.type)).toEqual(["snapshot", "patch"]);
  });

  it("queues changes while paused and applies them in order on resume", () => {
    const store = new StreamStore();
    store.watch(["overview"]);
    const source = FakeEventSource.opened[0]!;
    source.send(
      "snapshot",
      { view: "overview", revision: 1, nodes: [node("ns:a")], edges: [] },
      "overview=1",
    );
    store.setPaused(true);
    source.send(
      "patch",
      {
        view: "overview",
        base: 1,
        revision: 2,
        putNodes: [node("ns:b")],
        removeNodes: [],
        putEdges: [],
        removeEdges: [],
      },
      "overview=2",
    );
    expect(store.view("overview")!.revision).toBe(1);
    expect(store.connection.queued).toBe(1);
    store.setPaused(false);
    expect(store.view("overview")!.revision).toBe(2);
    expect(store.view("overview")!.nodes.has("ns:b")).toBe(true);
  });

  it("asks for the views again, resuming from nothing, when a patch does not follow the revision held", () => {
    const store = new StreamStore();
    store.watch(["overview"]);
    const first = FakeEventSource.opened[0]!;
    first.send("snapshot", { view: "overview", revision: 1, nodes: [], edges: [] }, "overview=1");
    first.send(
      "patch",
      {
        view: "overview",
        base: 5,
        revision: 6,
        putNodes: [],
        removeNodes: [],
        putEdges: [],
        removeEdges: [],
      },
      "overview=6",
    );
    expect(first.closed).toBe(true);
    const second = FakeEventSource.opened[1]!;
    expect(second.url.searchParams.get("lastEventId")).toBeNull();
  });

  it("changes its views over one stream, resuming the ones it keeps from the last event id", () => {
    const store = new StreamStore();
    store.watch(["overview"]);
    FakeEventSource.opened[0]!.send(
      "snapshot",
      { view: "overview", revision: 4, nodes: [], edges: [] },
      "overview=4",
    );
    store.watch(["overview", "namespace:shop"]);
    expect(FakeEventSource.opened[0]!.closed).toBe(true);
    const next = FakeEventSource.opened[1]!;
    expect(next.url.searchParams.getAll("view")).toEqual(["namespace:shop", "overview"]);
    expect(next.url.searchParams.get("lastEventId")).toBe("overview=4");
  });
});

describe("the connection's status on every page", () => {
  it("opens a stream of the status alone when no page watches a view, once", () => {
    const store = new StreamStore();
    store.connect();
    store.connect();
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(FakeEventSource.opened[0]!.url.searchParams.getAll("view")).toEqual([]);
    expect(store.connection.opened).toBe(false);
    const source = FakeEventSource.opened[0]!;
    source.send("open", {});
    expect(store.connection).toMatchObject({ open: true, opened: true });
    const status = { state: "connected", since: "2026-01-01T00:00:00Z" };
    source.send("hello", {
      stream: "s1",
      source: { kind: "demo", name: "demo", demo: true },
      status,
      views: [],
    });
    expect(store.connection.hello?.source.demo).toBe(true);
    expect(store.connection.source).toEqual(status);
  });

  it("asks again after a stream the server refused, which the browser does not retry", () => {
    const store = new StreamStore();
    store.connect();
    const source = FakeEventSource.opened[0]! as FakeEventSource & { readyState: number };
    source.readyState = 2;
    const timers: (() => void)[] = [];
    const realSetTimeout = globalThis.setTimeout;
    Object.assign(globalThis, { setTimeout: (f: () => void) => timers.push(f) });
    try {
      source.send("error", {});
    } finally {
      Object.assign(globalThis, { setTimeout: realSetTimeout });
    }
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect(FakeEventSource.opened).toHaveLength(2);
  });
});
