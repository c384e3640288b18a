#!/usr/bin/env node
import { resolve } from "node:path";
import {
  acceptedFindings,
  ClusterState,
  formatInputError,
  indexFindings,
  judgeFindings,
  parseCluster,
  reportOf,
} from "@trustmap/engine";
import { DIFF_USAGE, runDiff } from "./diff";
import { loadExceptions } from "./exceptions";
import { writeJson } from "./format/json";
import { Output } from "./format/output";
import { renderSarif } from "./format/sarif";
import { writeText } from "./format/text";
import { loadInput, MAX_FILE_BYTES, readBounded } from "./load";

export const VERSION = "0.1.0";

const USAGE = `Trustmap: Zero Trust posture of a Kubernetes cluster.

Usage:
  trustmap analyze PATH... [--format json|text|sarif] [--exceptions FILE]
  helm template CHART | trustmap analyze -
${DIFF_USAGE}
  PATH     files or directories (read recursively) of YAML or JSON manifests, or -
           for standard input: multi-document YAML and lists (kind: List, PodList...)
           are read; Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and
           CronJobs stand for one pod of their template; Services, Ingresses, Gateways
           and routes say what is published outside the cluster. Files that hold no Kubernetes
           object (Helm values, Chart.yaml, kustomization.yaml) are skipped with a note.
  --format json (default): the report (schema: packages/shared/report.schema.json)
           text: the same, grouped for people
           sarif: the findings, for code-scanning pipelines
  --exceptions FILE  accepted exceptions (YAML: check, match, reason, owner, expires):
           the findings they cover are listed apart ("accepted"; SARIF: suppressed),
           until the end of their expiry day (UTC)

Exit codes of analyze: 0 the report was printed; 2 the input or the command line is wrong
(the messages name the file, document and field; nothing is printed on stdout).
`;

type Format = "json" | "text" | "sarif";

interface Command {
  readonly paths: string[];
  readonly format: Format;
  readonly exceptions: string | undefined;
}

interface Io {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The text of standard input, asked for only when a path is "-". */
  readonly stdin?: () => string;
}

function parseArgs(args: readonly string[]): Command | string {
  const [verb, ...rest] = args;
  if (verb !== "analyze") return verb === undefined ? "" : `unknown command ${JSON.stringify(verb)}`;
  const paths: string[] = [];
  let format: Format = "json";
  let exceptions: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = arg === "--format" ? rest[++i] : arg.startsWith("--format=") ? arg.slice(9) : undefined;
    if (arg === "--format" || arg.startsWith("--format=")) {
      if (value !== "json" && value !== "text" && value !== "sarif") {
        return `--format takes json, text or sarif, not ${JSON.stringify(value ?? "")}`;
      }
      format = value;
    } else if (arg === "--exceptions" || arg.startsWith("--exceptions=")) {
      exceptions = arg === "--exceptions" ? rest[++i] : arg.slice("--exceptions=".length);
      if (exceptions === undefined || exceptions === "") return "--exceptions takes a file";
    } else if (arg.startsWith("--") || (arg.startsWith("-") && arg !== "-")) {
      return `unknown option ${arg}`;
    } else {
      paths.push(arg);
    }
  }
  if (paths.length === 0) return "analyze needs at least one file or directory";
  return { paths, format, exceptions };
}

/** Runs the command line; returns the exit code. Output goes only through `io`. */
export function run(args: readonly string[], io: Io): number {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.includes("--version")) {
    io.stdout(`trustmap ${VERSION}\n`);
    return 0;
  }
  if (args[0] === "diff") return runDiff(args.slice(1), io, USAGE, VERSION);
  const command = parseArgs(args);
  if (typeof command === "string") {
    io.stderr(command === "" ? USAGE : `trustmap: ${command}\n\n${USAGE}`);
    return 2;
  }
  const input = loadInput(
    command.paths.map((path) => (path === "-" ? path : resolve(io.cwd, path))),
    io.cwd,
    io.stdin === undefined ? {} : { stdin: io.stdin },
  );
  const parsed = parseCluster(input.documents);
  const errors = [...input.errors, ...parsed.errors.map(formatInputError)];
  if (errors.length === 0 && input.objects === 0) {
    errors.push(`no Kubernetes object found in ${command.paths.map(named).join(", ")}`);
  }
  for (const note of [...input.notes, ...parsed.notes]) io.stderr(`note: ${note}\n`);
  if (errors.length > 0) {
    for (const error of errors) io.stderr(`error: ${error}\n`);
    io.stderr(
      `trustmap: ${errors.length} error${errors.length > 1 ? "s" : ""} in the input; no report was made. Fix the fields named above and run again.\n`,
    );
    return 2;
  }
  const state = ClusterState.from(parsed.cluster);
  let report = reportOf(state);
  if (command.exceptions !== undefined) {
    const loaded = loadExceptions(resolve(io.cwd, command.exceptions));
    if (!loaded.ok) {
      for (const message of loaded.messages) io.stderr(`error: ${message}\n`);
      io.stderr(
        "trustmap: the exceptions file is wrong; no report was made. Fix the fields named above and run again.\n",
      );
      return 2;
    }
    const judged = judgeFindings(indexFindings(state.located()), {}, loaded.exceptions, Date.now());
    const accepted = acceptedFindings(judged.accepted);
    report = { ...report, findings: judged.open.map((l) => l.finding), accepted };
  }
  const output = new Output(io.stdout);
  if (command.format === "text") writeText(report, output);
  else if (command.format === "sarif")
    output.write(renderSarif(report, { version: VERSION, locations: input.locations }));
  else writeJson(report, output);
  output.flush();
  return 0;
}

function named(path: string): string {
  return path === "-" ? "standard input" : path;
}

/** Standard input, read once and at most one byte past the reader's bound (so a stream of zeros ends). */
export function readStandardInput(): string {
  return readBounded(0, MAX_FILE_BYTES + 1).toString("utf8");
}

/** Runs the command line of this process and sets its exit code; a fault of Trustmap itself is one line and exit 1. */
export function main(): void {
  try {
    process.exitCode = run(process.argv.slice(2), {
      cwd: process.env.INIT_CWD ?? process.cwd(),
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      stdin: readStandardInput,
    });
  } catch (error) {
    process.stderr.write(
      `trustmap: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /main\.[cm]?[jt]s$/.test(process.argv[1]);
if (invokedDirectly) main();
