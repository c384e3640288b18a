import { type KindObjects, parseLiveObject } from "@trustmap/engine";
import { describe, expect, it } from "vitest";
import { eventsOfTexts, KindMirror, noChanges } from "./mirror";

type Role = KindObjects["ClusterRole"];

/** A cluster role read by the engine, as every source hands objects to the mirror. */
function role(name: string, verbs: string[]): Role {
  const raw = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs }],
  };
  const parsed = parseLiveObject("ClusterRole", raw, `role ${name}`);
  if (!parsed.ok) throw new Error(`role ${name} did not read: ${JSON.stringify(parsed.errors)}`);
  return parsed.object as Role;
}

function picture(mirror: KindMirror, objects: Role[]): string[] {
  const changes = noChanges();
  mirror.picture(objects, changes);
  expect(changes.problems).toEqual([]);
  return eventsOfTexts(changes.events).map((event) =>
    event.type === "RELIST" ? "RELIST" : `${event.type} ${(event.object as Role).name}`,
  );
}

describe("the object mirror's whole picture", () => {
  it("sends what turns the old picture into the new: added, modified and deleted, nothing for the unchanged", () => {
    const mirror = new KindMirror("ClusterRole");
    expect(picture(mirror, [role("a", ["get"]), role("b", ["get"]), role("c", ["get"])])).toEqual([
      "ADDED a",
      "ADDED b",
      "ADDED c",
    ]);

    const next = picture(mirror, [role("a", ["get"]), role("b", ["get", "list"]), role("d", ["get"])]);
    expect(next).toEqual(["MODIFIED b", "ADDED d", "DELETED c"]);
    expect(mirror.size).toBe(3);
    expect(mirror.objects().map((object) => (object as Role).name)).toEqual(["a", "b", "d"]);
  });

  it("sends nothing for objects that read to equal JSON, even when they are new copies", () => {
    const mirror = new KindMirror("ClusterRole");
    picture(mirror, [role("a", ["get"]), role("b", ["watch"])]);
    expect(picture(mirror, [role("b", ["watch"]), role("a", ["get"])])).toEqual([]);
  });

  it("sends the last version held of each object it deletes, and empties for an empty picture", () => {
    const mirror = new KindMirror("ClusterRole");
    picture(mirror, [role("a", ["get"])]);
    picture(mirror, [role("a", ["list"])]);
    const changes = noChanges();
    mirror.picture([], changes);
    expect(eventsOfTexts(changes.events)).toEqual([
      { type: "DELETED", kind: "ClusterRole", object: role("a", ["list"]) },
    ]);
    expect(mirror.size).toBe(0);
  });
});
