import {
  type InputError,
  type Kind,
  type KindObjects,
  parseLiveObject,
  type WatchEvent,
} from "@trustmap/engine";
import type { Manifest } from "./manifest";

type KindObject = KindObjects[Kind];

/** The order of a fresh watch's lists: what pods refer to comes before the pods. */
export const INITIAL_ORDER: readonly Kind[] = [
  "Namespace",
  "ServiceAccount",
  "NetworkPolicy",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "Pod",
];

const KINDS = new Set<string>(INITIAL_ORDER);

function isKind(kind: string): kind is Kind {
  return KINDS.has(kind);
}

function kindOf(manifest: Manifest): Kind {
  if (!isKind(manifest.kind))
    throw new Error(`the demo built a ${manifest.kind}, a kind Trustmap does not read`);
  return manifest.kind;
}

function refOf(object: { readonly namespace?: string; readonly name: string }): string {
  return `${object.namespace ?? ""}/${object.name}`;
}

/**
 * What the demo has shown so far: every object read through the engine's parseLiveObject, as a
 * real cluster's would be, and kept in its trimmed form only. Changes come out as the watch
 * events that turn the previous picture into the new one.
 */
export class Picture {
  private readonly objects = new Map<Kind, Map<string, KindObject>>(INITIAL_ORDER.map((k) => [k, new Map()]));
  private readonly unread: InputError[] = [];

  /** Objects the reader refused: each is a bug in the demo, left out of the picture. */
  get problems(): readonly InputError[] {
    return this.unread;
  }

  count(kind: Kind): number {
    return this.store(kind).size;
  }

  /** Adds or replaces an object; nothing when it reads the same as before or cannot be read. */
  put(manifest: Manifest): WatchEvent | undefined {
    const kind = kindOf(manifest);
    const parsed = parseLiveObject(kind, manifest, "demo");
    if (!parsed.ok) {
      this.unread.push(...parsed.errors);
      return undefined;
    }
    const store = this.store(kind);
    const key = refOf(manifest.metadata);
    const previous = store.get(key);
    if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(parsed.object))
      return undefined;
    store.set(key, parsed.object);
    return change(previous === undefined ? "ADDED" : "MODIFIED", kind, parsed.object);
  }

  remove(kind: Kind, ref: { readonly namespace?: string; readonly name: string }): WatchEvent | undefined {
    const store = this.store(kind);
    const key = refOf(ref);
    const previous = store.get(key);
    if (previous === undefined) return undefined;
    store.delete(key);
    return change("DELETED", kind, previous);
  }

  removeManifest(manifest: Manifest): WatchEvent | undefined {
    return this.remove(kindOf(manifest), manifest.metadata);
  }

  /** Everything, as the ADDED events of a fresh watch, kind by kind in INITIAL_ORDER. */
  snapshot(): WatchEvent[] {
    return INITIAL_ORDER.flatMap((kind) =>
      [...this.store(kind).values()].map((o) => change("ADDED", kind, o)),
    );
  }

  private store(kind: Kind): Map<string, KindObject> {
    const store = this.objects.get(kind);
    if (store === undefined) throw new Error(`no store for ${kind}`);
    return store;
  }
}

/**
 * TypeScript cannot tie `object` to `kind` through the union; parseLiveObject read the object as
 * this kind, so the pair is right.
 */
function change(type: "ADDED" | "MODIFIED" | "DELETED", kind: Kind, object: KindObject): WatchEvent {
  return { type, kind, object } as WatchEvent;
}
