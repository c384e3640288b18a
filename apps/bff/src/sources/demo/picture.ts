import { type InputError, type Kind, objectKey, parseLiveObject, type WatchEvent } from "@trustmap/engine";
import { rawKey } from "../kube/raw";
import { eventsOfTexts, KindMirror, noChanges } from "../mirror";
import type { Manifest } from "./manifest";

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

/**
 * What the demo has shown so far: every object read through the engine's parseLiveObject, as a
 * real cluster's would be, and kept in its trimmed form only. Changes come out as the watch
 * events that turn the previous picture into the new one.
 */
export class Picture {
  private readonly mirrors = new Map<Kind, KindMirror>(INITIAL_ORDER.map((k) => [k, new KindMirror(k)]));
  private readonly unread: InputError[] = [];

  /** Objects the reader refused: each is a bug in the demo, left out of the picture. */
  get problems(): readonly InputError[] {
    return this.unread;
  }

  /** Adds or replaces an object; nothing when it reads the same as before or cannot be read. */
  put(manifest: Manifest): WatchEvent | undefined {
    const kind = kindOf(manifest);
    const parsed = parseLiveObject(kind, manifest, "demo");
    if (!parsed.ok) {
      this.unread.push(...parsed.errors);
      return undefined;
    }
    const changes = noChanges();
    this.mirror(kind).put(objectKey(kind, parsed.object), parsed.object, changes);
    return eventsOfTexts(changes.events)[0];
  }

  remove(kind: Kind, ref: { readonly namespace?: string; readonly name: string }): WatchEvent | undefined {
    const changes = noChanges();
    this.mirror(kind).forget(rawKey(kind, { metadata: ref }), changes);
    return eventsOfTexts(changes.events)[0];
  }

  removeManifest(manifest: Manifest): WatchEvent | undefined {
    return this.remove(kindOf(manifest), manifest.metadata);
  }

  /** Everything, as the ADDED events of a fresh watch, kind by kind in INITIAL_ORDER. */
  snapshot(): WatchEvent[] {
    return INITIAL_ORDER.flatMap((kind) =>
      this.mirror(kind)
        .objects()
        .map((object) => ({ type: "ADDED", kind, object }) as WatchEvent),
    );
  }

  private mirror(kind: Kind): KindMirror {
    const mirror = this.mirrors.get(kind);
    if (mirror === undefined) throw new Error(`no mirror for ${kind}`);
    return mirror;
  }
}
