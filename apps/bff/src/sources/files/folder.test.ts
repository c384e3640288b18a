import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventsOfTexts } from "../mirror";
import { type FolderRead, FolderReader } from "./folder";

const ROLE = (name: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules: []`;

function read(reader: FolderReader): FolderRead {
  const result = reader.read();
  if (result.type !== "read") throw new Error(`expected a read, got: ${result.message}`);
  return result;
}

function summary(result: FolderRead): string[] {
  return eventsOfTexts(result.events).map((event) =>
    event.type === "RELIST" ? "RELIST" : `${event.type} ${(event.object as { name: string }).name}`,
  );
}

describe("the folder reader", () => {
  it("keeps an unreadable file's last good objects, and lets a removed file take its objects away", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-folder-"));
    writeFileSync(path.join(dir, "a.yaml"), ROLE("a"));
    writeFileSync(path.join(dir, "b.yaml"), ROLE("b"));
    const reader = new FolderReader(dir, dir);
    expect(summary(read(reader))).toEqual(["ADDED a", "ADDED b"]);

    // A link whose target is gone: the file cannot be read, its role stays.
    rmSync(path.join(dir, "b.yaml"));
    symlinkSync(path.join(dir, "nowhere"), path.join(dir, "b.yaml"));
    const unreadable = read(reader);
    expect(summary(unreadable)).toEqual([]);
    expect(unreadable.problemFiles).toEqual(["b.yaml"]);
    expect(unreadable.stale.map((entry) => entry.file)).toEqual(["b.yaml"]);
    expect(unreadable.problems[0]).toMatchObject({ source: "b.yaml", field: "(file)" });
    expect(unreadable.problems[0]!.message).toMatch(/ENOENT/);

    rmSync(path.join(dir, "b.yaml"));
    const removed = read(reader);
    expect(summary(removed)).toEqual(["DELETED b"]);
    expect(removed.problems).toEqual([]);
    expect(removed.stale).toEqual([]);
  });

  it("shows what can be read of a file never read whole, and keeps a file's last good version once there is one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-folder-"));
    const bad = `${ROLE("c")}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: [x`;
    writeFileSync(path.join(dir, "c.yaml"), bad);
    const reader = new FolderReader(dir, dir);
    const first = read(reader);
    expect(summary(first)).toEqual(["ADDED c"]);
    expect(first.stale).toEqual([]);
    expect(first.problems).toEqual([
      expect.objectContaining({
        source: "c.yaml, document 2",
        message: expect.stringContaining("not valid YAML"),
      }),
    ]);

    // Once good, a later breakage keeps that good version, even of the objects edited with it.
    writeFileSync(path.join(dir, "c.yaml"), ROLE("c"));
    expect(summary(read(reader))).toEqual([]);
    writeFileSync(path.join(dir, "c.yaml"), `${ROLE("c2")}\n---\nkind: [`);
    const stale = read(reader);
    expect(summary(stale)).toEqual([]);
    expect(stale.stale.map((entry) => entry.file)).toEqual(["c.yaml"]);
  });

  it("says what a kept version clashes with: an object moved to another file while its old file is broken", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-folder-"));
    writeFileSync(path.join(dir, "a.yaml"), ROLE("a"));
    const reader = new FolderReader(dir, dir);
    read(reader);
    writeFileSync(path.join(dir, "a.yaml"), "kind: [");
    writeFileSync(path.join(dir, "b.yaml"), ROLE("a"));
    const clash = read(reader);
    expect(clash.stale.map((entry) => entry.file)).toEqual(["a.yaml"]);
    expect(clash.problemFiles).toEqual(["a.yaml", "b.yaml"]);
    expect(clash.problems).toContainEqual(
      expect.objectContaining({
        source: "b.yaml, document 1",
        object: "ClusterRole a",
        field: "metadata.name",
        message: expect.stringContaining("defined twice: also in a.yaml, document 1"),
      }),
    );
  });

  it("says a folder that is not there is missing, and changes nothing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-folder-"));
    writeFileSync(path.join(dir, "a.yaml"), ROLE("a"));
    const reader = new FolderReader(dir, dir);
    read(reader);
    rmSync(dir, { recursive: true });
    expect(reader.read()).toEqual({ type: "missing", message: `${dir} cannot be read: ENOENT` });
  });

  it("keeps the last good items of a List when its file breaks", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-folder-"));
    const list = (names: string[]) =>
      `apiVersion: v1\nkind: List\nitems:\n${names
        .map(
          (n) =>
            `  - {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: ${n}}, rules: []}`,
        )
        .join("\n")}\n`;
    writeFileSync(path.join(dir, "roles.yaml"), list(["l1", "l2"]));
    const reader = new FolderReader(dir, dir);
    expect(summary(read(reader))).toEqual(["ADDED l1", "ADDED l2"]);
    writeFileSync(path.join(dir, "roles.yaml"), `${list(["l1"])}  - [unclosed\n`);
    const broken = read(reader);
    expect(summary(broken)).toEqual([]);
    expect(broken.stale.map((entry) => entry.file)).toEqual(["roles.yaml"]);
  });
});
