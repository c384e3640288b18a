import type { Point } from "./positions";

// The positions of each view's nodes as last shown, so that going back to a view shows it as it
// was: in memory for the tab's session, and in the tab's sessionStorage (kept across reloads)
// when small enough. A stored entry that cannot be read is dropped with a warning naming it.

/** The part of the Storage interface the cache uses (sessionStorage, or a test's own). */
export interface PositionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

const PREFIX = "trustmap:layout:";
/** 2: views holding nodes drawn larger (closed groups) are laid out at a wider spacing. */
const VERSION = 2;

/** Views held in memory; the least recently used goes first. */
const MEMORY_VIEWS = 100;

/**
 * Entries longer than this stay in memory only (some thousands of nodes, by the length of their
 * ids): the tab's storage is small (5 MB in Chromium) and shared with the rest of the page.
 */
const STORED_CHARS_LIMIT = 400_000;

/** What a view's stored entry holds: its node ids and, in the same order, their x and y. */
interface Stored {
  readonly v: number;
  readonly ids: readonly string[];
  readonly xy: readonly number[];
}

function encode(positions: ReadonlyMap<string, Point>): string {
  const ids: string[] = [];
  const xy: number[] = [];
  for (const [id, point] of positions) {
    ids.push(id);
    xy.push(Math.round(point.x), Math.round(point.y));
  }
  return JSON.stringify({ v: VERSION, ids, xy } satisfies Stored);
}

/** The positions of a stored entry, or why it cannot be read. */
export function decode(text: string): Map<string, Point> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null) return "not an object";
  const { v, ids, xy } = value as Partial<Stored>;
  if (v !== VERSION) return `field v: expected ${VERSION}, found ${JSON.stringify(v)}`;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string"))
    return "field ids: expected a list of node ids";
  if (!Array.isArray(xy) || xy.length !== ids.length * 2 || !xy.every((n) => Number.isFinite(n)))
    return `field xy: expected ${ids.length * 2} numbers (x and y of each id)`;
  const positions = new Map<string, Point>();
  ids.forEach((id, i) => {
    positions.set(id, { x: xy[2 * i]!, y: xy[2 * i + 1]! });
  });
  return positions;
}

export class LayoutCache {
  private readonly memory = new Map<string, ReadonlyMap<string, Point>>();
  private readonly unsaved = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: PositionStorage | undefined,
    private readonly warn: (message: string) => void = console.warn,
    private readonly saveDelayMs = 1000,
  ) {}

  /** The view's positions as last kept, from memory or else from storage. */
  get(view: string): ReadonlyMap<string, Point> | undefined {
    const held = this.memory.get(view);
    if (held !== undefined) {
      this.remember(view, held);
      return held;
    }
    const text = this.read(PREFIX + view);
    if (text === null) return undefined;
    const decoded = decode(text);
    if (typeof decoded === "string") {
      this.warn(`layout cache: sessionStorage item "${PREFIX}${view}" dropped: ${decoded}`);
      this.remove(PREFIX + view);
      return undefined;
    }
    this.remember(view, decoded);
    return decoded;
  }

  /** Keeps the view's positions now; they reach storage a moment later, once for many changes. */
  set(view: string, positions: ReadonlyMap<string, Point>): void {
    this.remember(view, positions);
    if (this.storage === undefined) return;
    this.unsaved.add(view);
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.saveDelayMs);
  }

  /** Writes what is not yet stored (also when the page is left). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const view of this.unsaved) {
      const positions = this.memory.get(view);
      if (positions !== undefined) this.write(view, positions);
    }
    this.unsaved.clear();
  }

  private remember(view: string, positions: ReadonlyMap<string, Point>): void {
    this.memory.delete(view);
    this.memory.set(view, positions);
    for (const oldest of this.memory.keys()) {
      if (this.memory.size <= MEMORY_VIEWS) break;
      this.memory.delete(oldest);
    }
  }

  private write(view: string, positions: ReadonlyMap<string, Point>): void {
    const storage = this.storage;
    if (storage === undefined) return;
    const text = encode(positions);
    const key = PREFIX + view;
    if (text.length > STORED_CHARS_LIMIT) {
      // Too big to store: an older, smaller entry of the view would show it as it no longer is.
      this.remove(key);
      return;
    }
    try {
      storage.setItem(key, text);
    } catch {
      // Full: the other views' layouts make room (they are laid out again when visited).
      for (const other of this.storedKeys()) if (other !== key) this.remove(other);
      try {
        storage.setItem(key, text);
      } catch (error) {
        this.warn(`layout cache: sessionStorage item "${key}" not stored: ${(error as Error).message}`);
      }
    }
  }

  private storedKeys(): string[] {
    const keys: string[] = [];
    const storage = this.storage;
    if (storage === undefined) return keys;
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    return keys;
  }

  private read(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private remove(key: string): void {
    try {
      this.storage?.removeItem(key);
    } catch {
      // A storage that refuses access holds nothing of ours.
    }
  }
}

/** The tab's sessionStorage, if the browser lets the page use it. */
function sessionStore(): PositionStorage | undefined {
  try {
    return typeof sessionStorage === "undefined" ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

/** The page's one cache: every graph view of the tab shares it. */
export const layoutCache = new LayoutCache(sessionStore());
if (typeof window !== "undefined") window.addEventListener("pagehide", () => layoutCache.flush());
