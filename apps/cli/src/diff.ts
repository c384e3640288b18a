import { resolve } from "node:path";
import {
  type Cluster,
  causesBetween,
  diffPostures,
  formatInputError,
  type Gate,
  gateText,
  parseCluster,
  parseGate,
  postureDiff,
  postureOf,
} from "@trustmap/engine";
import type { PostureDiff } from "@trustmap/shared";
import { renderDiffSarif } from "./format/diff-sarif";
import { writeDiffText } from "./format/diff-text";
import { Output } from "./format/output";
import { loadInput, type ObjectLocation } from "./load";

// `trustmap diff BEFORE AFTER`: what a change to a set of manifests does to the posture (the
// connections between workloads, the findings, the RBAC rights), and whether it trips the gates a
// CI pipeline asks for (`--fail-on`): exit 1 when it does, so a pull request that opens a path
// can be stopped before it is merged.

export const DIFF_USAGE = `  trustmap diff BEFORE AFTER [--format json|text|sarif] [--fail-on GATE[,GATE]]...

  BEFORE, AFTER  files or directories of manifests (as analyze reads them), or - for
           standard input (one side at most); a side may hold no object (all new, all gone)
  --format json (default): every fact that differs, as it was and is
           (schema: packages/shared/diff.schema.json)
           text: the same, by section, for people
           sarif: the changes that trip a gate (without --fail-on: opened,
           finding:info, risky-rights), for code-scanning pipelines
  --fail-on opened        a connection between workloads appeared or allows more ports
            outside       the same, from addresses outside the cluster
            finding:SEV   a finding at least SEV (critical, high, medium, low, info) appeared
            risky-rights  a subject gained a right with risks, or a right gained risks

Exit codes of diff: 0 no gate tripped; 1 a gate tripped; 2 the input or the command line is wrong.
`;

/** The gates SARIF reports on when none is asked for. */
const DEFAULT_GATES: readonly Gate[] = [
  { kind: "opened" },
  { kind: "finding", severity: "info" },
  { kind: "risky-rights" },
];

type Format = "json" | "text" | "sarif";

export interface DiffIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin?: () => string;
}

interface DiffCommand {
  readonly before: string;
  readonly after: string;
  readonly format: Format;
  readonly gates: Gate[];
}

function parseDiffArgs(rest: readonly string[]): DiffCommand | string {
  const paths: string[] = [];
  let format: Format = "json";
  const gates: Gate[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--format" || arg.startsWith("--format=")) {
      const value = arg === "--format" ? rest[++i] : arg.slice("--format=".length);
      if (value !== "json" && value !== "text" && value !== "sarif")
        return `--format takes json, text or sarif, not ${JSON.stringify(value ?? "")}`;
      format = value;
    } else if (arg === "--fail-on" || arg.startsWith("--fail-on=")) {
      const value = arg === "--fail-on" ? rest[++i] : arg.slice("--fail-on=".length);
      if (value === undefined || value === "") return "--fail-on takes a gate";
      for (const text of value.split(",")) {
        const gate = parseGate(text.trim());
        if (typeof gate === "string") return gate;
        if (!gates.some((g) => gateText(g) === gateText(gate))) gates.push(gate);
      }
    } else if (arg.startsWith("--") || (arg.startsWith("-") && arg !== "-")) {
      return `unknown option ${arg}`;
    } else paths.push(arg);
  }
  if (paths.length !== 2)
    return `diff takes two paths, BEFORE and AFTER, not ${paths.length === 0 ? "none" : paths.length}`;
  if (paths[0] === "-" && paths[1] === "-") return "standard input (-) can be one side of a diff only";
  return { before: paths[0]!, after: paths[1]!, format, gates };
}

interface Side {
  readonly cluster: Cluster;
  readonly locations: ReadonlyMap<string, ObjectLocation>;
}

/** Reads one side; its errors are written, each named by file, document and field. */
function readSide(path: string, which: string, io: DiffIo): Side | undefined {
  const input = loadInput(
    [path === "-" ? path : resolve(io.cwd, path)],
    io.cwd,
    io.stdin === undefined ? {} : { stdin: io.stdin },
  );
  const parsed = parseCluster(input.documents);
  for (const note of [...input.notes, ...parsed.notes]) io.stderr(`note: ${which}: ${note}\n`);
  const errors = [...input.errors, ...parsed.errors.map(formatInputError)];
  for (const error of errors) io.stderr(`error: ${which}: ${error}\n`);
  if (errors.length > 0) return undefined;
  if (input.objects === 0)
    io.stderr(
      `note: ${which}: no Kubernetes object in ${path === "-" ? "standard input" : path}; compared as an empty cluster\n`,
    );
  return { cluster: parsed.cluster, locations: input.locations };
}

/** Runs `trustmap diff` with the arguments after the verb; returns the exit code. */
export function runDiff(rest: readonly string[], io: DiffIo, usage: string, version: string): number {
  const command = parseDiffArgs(rest);
  if (typeof command === "string") {
    io.stderr(`trustmap: ${command}\n\n${usage}`);
    return 2;
  }
  const before = readSide(command.before, "BEFORE", io);
  const after = readSide(command.after, "AFTER", io);
  if (before === undefined || after === undefined) {
    io.stderr(
      "trustmap: the input is wrong; no difference was computed. Fix the fields named above and run again.\n",
    );
    return 2;
  }
  const diff = diffOf(command, before.cluster, after.cluster);
  const output = new Output(io.stdout);
  if (command.format === "text") writeDiffText(diff, output);
  else if (command.format === "sarif") {
    const reported = command.gates.length > 0 ? command.gates : DEFAULT_GATES;
    output.write(
      renderDiffSarif(diff, {
        version,
        gates: reported,
        locations: after.locations,
        beforeLocations: before.locations,
      }),
    );
  } else output.write(`${JSON.stringify(diff, null, 2)}\n`);
  output.flush();
  return diff.failed.length > 0 ? 1 : 0;
}

function diffOf(command: DiffCommand, beforeCluster: Cluster, afterCluster: Cluster): PostureDiff {
  return postureDiff({
    before: [command.before],
    after: [command.after],
    causes: causesBetween(beforeCluster, afterCluster),
    changes: diffPostures(postureOf(beforeCluster), postureOf(afterCluster)),
    gates: command.gates,
  });
}
