import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Report } from "@trustmap/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInput, MAX_DOCUMENTS, MAX_FILE_BYTES, MAX_KEYS } from "./load";
import { run } from "./main";

const root = join(import.meta.dirname, "..");

const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
const POD = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n  labels: {app: ${name}}\nspec:\n  containers:\n    - name: c\n      image: nginx\n`;

/** A temporary folder holding `files` (paths may have folders in them). */
function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "trustmap-load-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `trustmap analyze ARGS` in-process from `cwd`, with `stdin` as standard input. */
function analyze(cwd: string, args: string[], stdin?: string) {
  let stdout = "";
  let stderr = "";
  const code = run(["analyze", ...args], {
    cwd,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ...(stdin === undefined ? {} : { stdin: () => stdin }),
  });
  return { code, stdout, stderr };
}

/** The input is refused: exit 2, nothing on stdout, `message` on stderr, no stack trace. */
function expectRefused(result: ReturnType<typeof analyze>, message: string): void {
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain(message);
  expect(result.stderr).not.toContain("    at ");
  expect(result.code).toBe(2);
}

/** A report was made: exit 0, a valid report on stdout; returns it and the notes. */
function expectReport(result: ReturnType<typeof analyze>): { report: Report; stderr: string } {
  expect(result.stderr).not.toContain("error:");
  expect(result.code).toBe(0);
  return { report: Report.parse(JSON.parse(result.stdout)), stderr: result.stderr };
}

describe("YAML as Kubernetes reads it", () => {
  it("expands anchors, aliases and merge keys within a document", () => {
    const dir = folder({
      "pods.yaml": `${NAMESPACE}---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web
      namespace: shop
      labels: &labels {app: web, tier: front}
    spec: &spec
      containers: [{name: c, image: nginx}]
  - apiVersion: v1
    kind: Pod
    metadata:
      name: api
      namespace: shop
      labels:
        <<: *labels
        app: api
    spec: *spec
`,
    });
    const { report } = expectReport(analyze(dir, ["."]));
    expect(report.pods).toEqual([
      { namespace: "shop", name: "api", labels: { app: "api", tier: "front" } },
      { namespace: "shop", name: "web", labels: { app: "web", tier: "front" } },
    ]);
  });

  const refusals: [string, string, string][] = [
    [
      "an alias to an anchor of an earlier document",
      "metadata: &m\n  name: a\n---\nkind: Namespace\nmetadata: *m\n",
      "x.yaml, document 2: metadata (line 5): the alias *m names no anchor before it",
    ],
    [
      "an alias to no anchor",
      "kind: Namespace\nmetadata: *nowhere\n",
      "x.yaml, document 1: metadata (line 2): the alias *nowhere names no anchor",
    ],
    [
      "a merge key with a scalar",
      "kind: Namespace\nmetadata:\n  <<: 1\n  name: a\n",
      "x.yaml, document 1: metadata.<< (line 3): a merge key (<<) takes a map",
    ],
    [
      "a repeated key",
      "kind: Namespace\nmetadata:\n  name: a\n  name: b\n",
      'x.yaml, document 1: metadata.name (line 4): the key "name" appears twice',
    ],
    [
      ".inf",
      "kind: Namespace\nmetadata: {name: a}\nspec: {replicas: .inf}\n",
      "x.yaml, document 1: spec.replicas: .inf (or a number too large) is not a number JSON can hold",
    ],
    [
      ".nan",
      "kind: Namespace\nmetadata: {name: a}\nspec: {x: [1, .nan]}\n",
      "x.yaml, document 1: spec.x[1]: .nan is not a number JSON can hold",
    ],
    [
      "a number past 1.8e308",
      "kind: Namespace\nmetadata: {name: a}\nspec: {x: 1e400}\n",
      "x.yaml, document 1: spec.x: .inf (or a number too large)",
    ],
    [
      "a map used as a key",
      "kind: Namespace\nmetadata: {name: a}\n? {a: 1}\n: b\n",
      "x.yaml, document 1: (document) (line 1): a map or list used as a key",
    ],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}, naming file, document and field`, () => {
      expectRefused(analyze(folder({ "x.yaml": text }), ["x.yaml"]), `error: ${message}`);
    });
  }

  it("bounds alias expansions", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (const [name, from] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
    ])
      lines.push(`${name}: &${name} [${Array(10).fill(`*${from}`).join(", ")}]`);
    const dir = folder({ "bomb.yaml": `${NAMESPACE}${lines.join("\n")}\n` });
    expectRefused(analyze(dir, ["."]), "bomb.yaml, document 1: more than 1000 alias expansions; refused");
  });

  it("bounds nesting: a block map 2,000 deep followed by a key, and [ ] 100,000 deep", () => {
    const block = Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 2)}k:`).join("\n");
    const dir = folder({
      "block.yaml": `${NAMESPACE}data:\n${block}\nother: 1\n`,
      "flow.yaml": `${NAMESPACE}data: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
      "shallow.yaml": `${NAMESPACE}data: ${"[".repeat(300)}${"]".repeat(300)}\n`,
    });
    const result = analyze(dir, ["."]);
    expectRefused(result, "block.yaml, document 1: nested more than 200 levels deep at line 208; refused");
    expect(result.stderr).toContain(
      "flow.yaml, document 1: nested more than 200 levels deep at line 5; refused",
    );
    expect(result.stderr).toContain(
      "shallow.yaml, document 1: nested more than 200 levels deep at line 5; refused",
    );
  });

  it("bounds keys per map, documents per file and the size of a file", () => {
    const keys = Array.from({ length: MAX_KEYS + 1 }, (_, i) => `  k${i}: v`).join("\n");
    const dir = folder({
      "keys.yaml": `${NAMESPACE}data:\n${keys}\n`,
      "documents.yaml": `${NAMESPACE}${"---\n{}\n".repeat(MAX_DOCUMENTS)}`,
    });
    // A sparse file: the size alone refuses it, unread.
    const big = openSync(join(dir, "big.yaml"), "w");
    ftruncateSync(big, MAX_FILE_BYTES + 1);
    closeSync(big);
    const result = analyze(dir, ["."]);
    expectRefused(
      result,
      `keys.yaml, document 1: more than ${MAX_KEYS} keys in one map at line ${MAX_KEYS + 6}; refused`,
    );
    expect(result.stderr).toContain(`documents.yaml: more than ${MAX_DOCUMENTS} documents; refused`);
    expect(result.stderr).toContain(`big.yaml: ${MAX_FILE_BYTES + 1} bytes, larger than 32 MiB; refused`);
  });

  it("reads a tab inside [ ] and { } as a blank, as kubectl does", () => {
    const dir = folder({
      "tabs.yaml": `${NAMESPACE}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app: web,\n\ttier: front}\nspec:\n  containers:\n    - name: c\n      args: [\n\t"--port",\t"80"]\n`,
    });
    const { report } = expectReport(analyze(dir, ["."]));
    expect(report.pods[0]?.labels).toEqual({ app: "web", tier: "front" });
    const object = loadInput([join(dir, "tabs.yaml")], dir).documents[1]?.object as {
      spec: { containers: { args: string[] }[] };
    };
    expect(object.spec.containers[0]?.args).toEqual(["--port", "80"]);
  });
});

describe("files and folders", () => {
  it("ends symbolic link loops: two links to the folder itself", () => {
    const dir = folder({ "ns.yaml": NAMESPACE });
    symlinkSync(".", join(dir, "here"));
    symlinkSync(".", join(dir, "again"));
    const { stderr } = expectReport(analyze(dir, ["."]));
    expect(stderr).toContain(
      "note: again: skipped: the directory . is already read (reached again through a symbolic link)",
    );
    expect(stderr).toContain("note: here: skipped: the directory . is already read");
  });

  it("follows a link to a folder elsewhere, and a link loop of its own is noted", () => {
    const elsewhere = folder({ "pod.yaml": POD("web") });
    const dir = folder({ "ns.yaml": NAMESPACE });
    symlinkSync(elsewhere, join(dir, "linked"));
    symlinkSync("loop-b.yaml", join(dir, "loop-a.yaml"));
    symlinkSync("loop-a.yaml", join(dir, "loop-b.yaml"));
    symlinkSync("missing.yaml", join(dir, "dangling.yaml"));
    const { report, stderr } = expectReport(analyze(dir, ["."]));
    expect(report.pods.map((p) => p.name)).toEqual(["web"]);
    expect(stderr).toContain("note: loop-a.yaml: skipped: a loop of symbolic links");
    expect(stderr).toContain("note: dangling.yaml: skipped: a symbolic link to nothing (ENOENT)");
  });

  it("never opens a FIFO, socket or device: a FIFO named x.yaml and a link to /dev/zero are noted", () => {
    const dir = folder({ "ns.yaml": NAMESPACE });
    execFileSync("mkfifo", [join(dir, "x.yaml")]);
    symlinkSync("/dev/zero", join(dir, "zero.yaml"));
    const { stderr } = expectReport(analyze(dir, ["."]));
    expect(stderr).toContain(
      'note: x.yaml: skipped: a FIFO, not a regular file (pipe input with "-" instead)',
    );
    expect(stderr).toContain("note: zero.yaml: skipped: a device, not a regular file");
    // Named on the command line, they are noted just the same.
    const named = analyze(dir, ["x.yaml", "zero.yaml", "ns.yaml"]);
    expect(named.code).toBe(0);
    expect(named.stderr).toContain("note: x.yaml: skipped: a FIFO");
  });

  it("names an unreadable folder or file as an error", () => {
    const dir = folder({ "ns.yaml": NAMESPACE, "locked/pod.yaml": POD("web"), "secret.yaml": POD("api") });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "locked"), 0o000);
    chmodSync(join(dir, "secret.yaml"), 0o000);
    try {
      if (process.getuid?.() === 0) {
        // root reads them anyway; the built command run as nobody cannot.
        const result = spawnSync(process.execPath, [builtCommand(), "analyze", dir], {
          cwd: dir,
          uid: 65534,
          gid: 65534,
          env: withoutInitCwd(),
          encoding: "utf8",
        });
        expectRefused(
          { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
          "error: locked: directory cannot be read: EACCES",
        );
        expect(result.stderr).toContain("error: secret.yaml: cannot be read: EACCES");
      } else {
        const result = analyze(dir, ["."]);
        expectRefused(result, "error: locked: directory cannot be read: EACCES");
        expect(result.stderr).toContain("error: secret.yaml: cannot be read: EACCES");
      }
    } finally {
      chmodSync(join(dir, "locked"), 0o755);
    }
  });

  it("skips, with a note, files that hold no Kubernetes object; a broken object is still an error", () => {
    const files = {
      "ns.yaml": NAMESPACE,
      "values.yaml": "replicaCount: 3\nimage:\n  repository: nginx\n",
      "kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [ns.yaml]\n",
      "expected.json": '{"findings": [{"id": "x"}]}',
      "list.json": "[1, 2, 3]",
      "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
      "chart/templates/pod.yaml": "{{- if .Values.enabled }}\nkind: {{ .Values.kind }}\n{{- end }}\n",
      "chart/values.yaml": "enabled: true\n",
      "README.md": "# manifests\n",
      "mixed.yaml": `${NAMESPACE.replace("shop", "other")}---\nsettings: {debug: true}\n`,
    };
    const dir = folder(files);
    const { stderr } = expectReport(analyze(dir, ["."]));
    expect(stderr).toContain("note: values.yaml: skipped: holds no Kubernetes object");
    expect(stderr).toContain("note: expected.json: skipped: holds no Kubernetes object");
    expect(stderr).toContain("note: list.json: skipped: holds no Kubernetes object");
    expect(stderr).toContain(
      "note: kustomization.yaml, document 1: skipped: Kustomization is a kustomize file",
    );
    expect(stderr).toContain(
      "note: chart: skipped: a Helm chart (has Chart.yaml); render it and pipe it in: helm template chart | trustmap analyze -",
    );
    expect(stderr).toContain("note: mixed.yaml, document 2: skipped: not a Kubernetes object");
    expect(stderr).not.toContain("README.md");

    const broken = folder({
      ...files,
      "bad.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec: {containers: 3}\n",
      "no-kind.yaml": "apiVersion: v1\nmetadata:\n  name: nameless\n",
    });
    const result = analyze(broken, ["."]);
    expectRefused(result, "error: bad.yaml, document 1: Pod default/web: spec.containers");
    expect(result.stderr).toContain('error: no-kind.yaml, document 1: object "nameless": kind: is required');
  });

  it("says so when the input holds no Kubernetes object at all", () => {
    expectRefused(analyze(folder(), ["."]), "error: no Kubernetes object found in .");
    expectRefused(
      analyze(folder({ "values.yaml": "a: 1\n" }), ["values.yaml"]),
      "error: no Kubernetes object found in values.yaml",
    );
  });
});

describe("lists, repeats and standard input", () => {
  it("gives items of NamespaceList and PodList their kind and apiVersion from the list", () => {
    const namespaces = {
      apiVersion: "v1",
      kind: "NamespaceList",
      metadata: { resourceVersion: "1" },
      items: [{ metadata: { name: "shop" } }],
    };
    const pods = {
      apiVersion: "v1",
      kind: "PodList",
      items: [
        { metadata: { name: "web", namespace: "shop", labels: { app: "web" } }, spec: { containers: [] } },
      ],
    };
    const dir = folder({ "ns.json": JSON.stringify(namespaces), "pods.json": JSON.stringify(pods) });
    const { report } = expectReport(analyze(dir, ["."]));
    expect(report.pods).toEqual([{ namespace: "shop", name: "web", labels: { app: "web" } }]);
    const item = loadInput([dir], dir).documents.find((d) => d.source === "pods.json, document 1, items[0]");
    expect(item?.object).toMatchObject({ apiVersion: "v1", kind: "Pod" });
  });

  it("needs the kind of each item of a plain List", () => {
    const dir = folder({ "list.yaml": "apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: shop}\n" });
    expectRefused(
      analyze(dir, ["."]),
      'error: list.yaml, document 1, items[0]: object "shop": kind: is required',
    );
  });

  it("reads byte-identical repeats once with a note; differing repeats name both files", () => {
    const same = folder({ "a.yaml": `${NAMESPACE}---\n${POD("web")}`, "b.yaml": POD("web") });
    const { report, stderr } = expectReport(analyze(same, ["."]));
    expect(report.pods).toHaveLength(1);
    expect(stderr).toContain(
      "note: b.yaml, document 1: Pod shop/web is identical to the one in a.yaml, document 2; read once",
    );
    const differ = folder({
      "a.yaml": `${NAMESPACE}---\n${POD("web")}`,
      "b.yaml": POD("web").replace("nginx", "httpd"),
    });
    expectRefused(
      analyze(differ, ["."]),
      "error: b.yaml, document 1: Pod shop/web: metadata.name: defined twice: also in a.yaml, document 2",
    );
  });

  it("reads a file named twice once, with a note", () => {
    const dir = folder({ "ns.yaml": NAMESPACE });
    const { stderr } = expectReport(analyze(dir, ["ns.yaml", ".", "-", "-"], POD("web")));
    expect(stderr).toContain("note: ns.yaml: skipped: the file ns.yaml is already read (named twice)");
    expect(stderr).toContain("note: standard input: named twice; read once");
  });

  it("reads standard input for -, alone or with files", () => {
    const dir = folder({ "ns.yaml": NAMESPACE });
    const { report } = expectReport(analyze(dir, ["-", "ns.yaml"], POD("web")));
    expect(report.pods.map((p) => p.name)).toEqual(["web"]);
    expectRefused(
      analyze(dir, ["-"], "kind: Pod\nmetadata: {name: [x]}\n"),
      "error: standard input, document 1",
    );
    expectRefused(analyze(dir, ["-"], ""), "error: no Kubernetes object found in standard input");
    expectRefused(
      analyze(dir, ["-"], "a: *b\n"),
      "error: standard input, document 1: a (line 1): the alias *b names no anchor",
    );
  });

  it("keeps notes on stderr: stdout holds only the report", () => {
    const dir = folder({ "ns.yaml": NAMESPACE, "values.yaml": "a: 1\n" });
    const result = analyze(dir, ["."]);
    expect(result.stdout).not.toContain("note:");
    expect(result.stderr).toContain("note: values.yaml");
    expectReport(result);
  });
});

/** The environment without pnpm's INIT_CWD, so that the command names paths from its own directory. */
function withoutInitCwd(): NodeJS.ProcessEnv {
  const { INIT_CWD: _, ...env } = process.env;
  return env;
}

let built: string | undefined;

/** Builds the command as `pnpm build` does and returns the path of the program. */
function builtCommand(): string {
  if (built !== undefined) return built;
  const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.build as string;
  execFileSync("sh", ["-c", script], {
    cwd: root,
    env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  built = join(root, "dist", "trustmap.mjs");
  return built;
}

describe("the built command", () => {
  beforeAll(() => {
    builtCommand();
  });

  it("reads a pipe: helm template … | trustmap analyze -", () => {
    const input = `${NAMESPACE}---\n${POD("web")}`;
    const ok = spawnSync(process.execPath, [join(root, "bin", "trustmap.mjs"), "analyze", "-"], {
      input,
      env: withoutInitCwd(),
      encoding: "utf8",
    });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(Report.parse(JSON.parse(ok.stdout)).pods.map((p) => p.name)).toEqual(["web"]);
  });

  it("stops a stream of zeros at the size bound instead of growing", () => {
    const result = spawnSync(
      "sh",
      ["-c", `head -c ${MAX_FILE_BYTES + 4096} /dev/zero | node ${builtCommand()} analyze -`],
      {
        encoding: "utf8",
      },
    );
    expectRefused(
      { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
      "error: standard input: larger than 32 MiB; refused",
    );
  });
});
