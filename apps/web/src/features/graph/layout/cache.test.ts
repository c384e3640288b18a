import { describe, expect, it } from "vitest";
import { decode, LayoutCache, type PositionStorage } from "./cache";
import type { Point } from "./positions";

/** A Storage in memory that refuses to grow past `capacity` characters, as a browser's does. */
class MemoryStorage implements PositionStorage {
  readonly items = new Map<string, string>();
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    let used = value.length;
    for (const [k, v] of this.items) if (k !== key) used += v.length;
    if (used > this.capacity) throw new DOMException("quota exceeded", "QuotaExceededError");
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

function positions(count: number, offset = 0): Map<string, Point> {
  return new Map(
    Array.from({ length: count }, (_, i) => [`ns:team-${i}`, { x: i * 60 + offset, y: 1000 - i * 30 }]),
  );
}

describe("the layout cache", () => {
  it("gives back a view's positions in the session, and after a reload from the tab's storage", () => {
    const storage = new MemoryStorage();
    const cache = new LayoutCache(storage, () => {}, 60_000);
    cache.set("overview", positions(3));
    expect(cache.get("overview")).toEqual(positions(3));
    expect(storage.length).toBe(0);
    cache.flush();
    const reloaded = new LayoutCache(storage, () => {});
    expect(reloaded.get("overview")).toEqual(positions(3));
    expect(reloaded.get("namespace:shop")).toBeUndefined();
  });

  it("drops a stored entry it cannot read, naming the item and the field", () => {
    const storage = new MemoryStorage();
    storage.setItem("trustmap:layout:overview", JSON.stringify({ v: 2, ids: ["a", "b"], xy: [1, 2, 3] }));
    storage.setItem("trustmap:layout:namespace:shop", "{not json");
    const warnings: string[] = [];
    const cache = new LayoutCache(storage, (message) => warnings.push(message));
    expect(cache.get("overview")).toBeUndefined();
    expect(cache.get("namespace:shop")).toBeUndefined();
    expect(warnings).toEqual([
      'layout cache: sessionStorage item "trustmap:layout:overview" dropped: field xy: expected 4 numbers (x and y of each id)',
      'layout cache: sessionStorage item "trustmap:layout:namespace:shop" dropped: not JSON',
    ]);
    expect(storage.length).toBe(0);
    expect(decode(JSON.stringify({ v: 1, ids: [], xy: [] }))).toBe("field v: expected 2, found 1");
    expect(decode(JSON.stringify({ v: 2, ids: [3], xy: [1, 2] }))).toBe(
      "field ids: expected a list of node ids",
    );
  });

  it("makes room by dropping other views' layouts when the storage is full, and leaves other items alone", () => {
    const one = JSON.stringify({ v: 2, ids: [...positions(20).keys()], xy: [] }).length;
    const storage = new MemoryStorage(one * 6);
    storage.setItem("theme", "dark");
    const cache = new LayoutCache(storage, () => {});
    for (const view of ["a", "b", "c", "d", "e", "f", "g"]) {
      cache.set(view, positions(20));
      cache.flush();
    }
    expect(storage.getItem("theme")).toBe("dark");
    expect(storage.getItem("trustmap:layout:g")).not.toBeNull();
    expect(storage.items.size).toBeLessThan(8);
    // Dropped from storage, still held in memory.
    expect(cache.get("a")).toEqual(positions(20));
  });

  it("keeps a view too large for the storage in memory only, without an older stored copy", () => {
    const storage = new MemoryStorage();
    const cache = new LayoutCache(storage, () => {});
    cache.set("overview", positions(10));
    cache.flush();
    cache.set("overview", positions(30_000, 5));
    cache.flush();
    expect(storage.getItem("trustmap:layout:overview")).toBeNull();
    expect(cache.get("overview")).toEqual(positions(30_000, 5));
  });

  it("works without any storage", () => {
    const cache = new LayoutCache(undefined);
    cache.set("overview", positions(2));
    cache.flush();
    expect(cache.get("overview")).toEqual(positions(2));
  });
});
