import {
  type InputError,
  type Kind,
  type KindObjects,
  objectKey,
  parseLiveObject,
  type WatchEvent,
} from "@trustmap/engine";
import { hasFinished, rawKey } from "./kube/raw";

type KindObject = KindObjects[Kind];

/** What one step of reading has for the sink. */
export interface Changes {
  /** Each event as the JSON text of a WatchEvent (see EventBatch: it crosses threads as text). */
  readonly events: string[];
  readonly problems: InputError[];
}

export function noChanges(): Changes {
  return { events: [], problems: [] };
}

/**
 * What the sink holds of one kind: the trimmed objects last sent, by the engine's objectKey, each
 * as its JSON text. Every object read (from a cluster, a folder of manifests or the demo) is
 * compared with it, so that only true differences go out, and a relist or a fresh read of every
 * file becomes the ADDED, MODIFIED and DELETED events that turn the old picture into the new.
 * The raw JSON is never kept. Text rather than objects: one flat string per object costs the
 * garbage collector nothing to trace on a cluster of 100,000 objects, it is what the comparison
 * needs, and the events are written from it.
 */
export class KindMirror {
  private readonly sent = new Map<string, string>();

  constructor(readonly kind: Kind) {}

  get size(): number {
    return this.sent.size;
  }

  /** The objects held, in the order they first came. */
  objects(): KindObject[] {
    return [...this.sent.values()].map((json) => JSON.parse(json) as KindObject);
  }

  /**
   * Reads an object as the cluster has it now (a list item, or an ADDED or MODIFIED event).
   * Returns the key it is held under, or undefined when it is absent from the picture (a finished
   * pod, or an object that cannot be read, which is said in `problems`).
   */
  read(raw: unknown, source: string, changes: Changes): string | undefined {
    if (this.kind === "Pod" && hasFinished(raw)) {
      this.forget(rawKey(this.kind, raw), changes);
      return undefined;
    }
    const parsed = parseLiveObject(this.kind, raw, source);
    if (!parsed.ok) {
      changes.problems.push(...parsed.errors);
      // The object is left out of the picture, so its last readable version leaves it too.
      this.forget(rawKey(this.kind, raw), changes);
      return undefined;
    }
    const key = objectKey(this.kind, parsed.object);
    this.put(key, parsed.object, changes);
    return key;
  }

  /** A DELETED event: only the identity of the object matters (its last state may be unreadable). */
  remove(raw: unknown, source: string, changes: Changes): void {
    const key = rawKey(this.kind, raw);
    if (key === undefined) {
      changes.problems.push({
        source,
        field: "metadata.name",
        message: `a deleted ${this.kind} without a name cannot be taken out of the picture`,
      });
      return;
    }
    this.forget(key, changes);
  }

  /** After a complete list: whatever the list did not hold is gone from the cluster. */
  sweep(listed: ReadonlySet<string>, changes: Changes): void {
    for (const key of [...this.sent.keys()]) if (!listed.has(key)) this.forget(key, changes);
  }

  /**
   * Every object of the kind as it is now, already read by the engine: each is put, and whatever
   * is held but not among them is gone.
   */
  picture(objects: Iterable<KindObject>, changes: Changes): void {
    const present = new Set<string>();
    for (const object of objects) {
      const key = objectKey(this.kind, object);
      present.add(key);
      this.put(key, object, changes);
    }
    this.sweep(present, changes);
  }

  /** Holds an object the engine has read, under its objectKey: an event only when it differs. */
  put(key: string, object: KindObject, changes: Changes): void {
    const previous = this.sent.get(key);
    const json = JSON.stringify(object);
    // Trimmed objects are built field by field in a fixed order and the API server writes maps
    // with sorted keys, so equal objects give equal JSON: status churn of a pod stops here.
    if (previous === json) return;
    this.sent.set(key, json);
    changes.events.push(eventText(previous === undefined ? "ADDED" : "MODIFIED", this.kind, json));
  }

  /** Takes the object held under the key out of the picture, if there is one. */
  forget(key: string | undefined, changes: Changes): void {
    if (key === undefined) return;
    const previous = this.sent.get(key);
    if (previous === undefined) return;
    this.sent.delete(key);
    changes.events.push(eventText("DELETED", this.kind, previous));
  }
}

/** The JSON text of a WatchEvent whose object is already written (`object`: its JSON). */
function eventText(type: "ADDED" | "MODIFIED" | "DELETED", kind: Kind, object: string): string {
  return `{"type":"${type}","kind":"${kind}","object":${object}}`;
}

/** A mirror's events as objects again (for whatever reads them on this side of the engine). */
export function eventsOfTexts(texts: readonly string[]): WatchEvent[] {
  return texts.map((text) => JSON.parse(text) as WatchEvent);
}
