import type { LazyReport } from "@trustmap/engine";
import type { Output } from "./output";

/**
 * Writes the report exactly as JSON.stringify(report, null, 2) would, but one list entry at a
 * time, so that a report larger than a JavaScript string can hold is still printed.
 */
export function writeJson(report: LazyReport, out: Output): void {
  const fields = Object.entries(report);
  out.write("{\n");
  fields.forEach(([key, value], index) => {
    out.write(`  ${JSON.stringify(key)}: `);
    if (key === "connections") writeConnections(report.connections, out);
    else if (isList(value)) writeList(value, out);
    else out.write(indent(JSON.stringify(value, null, 2), "  "));
    out.write(index < fields.length - 1 ? ",\n" : "\n");
  });
  out.write("}\n");
}

function isList(value: unknown): value is Iterable<unknown> {
  return Array.isArray(value) || (typeof value === "object" && value !== null && Symbol.iterator in value);
}

function writeList(items: Iterable<unknown>, out: Output): void {
  let first = true;
  for (const item of items) {
    out.write(first ? "[\n    " : ",\n    ");
    out.write(indent(JSON.stringify(item, null, 2), "    "));
    first = false;
  }
  out.write(first ? "[]" : "\n  ]");
}

function indent(text: string, pad: string): string {
  return text.replaceAll("\n", `\n${pad}`);
}

/**
 * The connections list, by far the longest, written without a JSON.stringify per entry: the
 * text of each distinct port list is made once (entries share their ports objects).
 */
function writeConnections(connections: LazyReport["connections"], out: Output): void {
  const portsText = new Map<unknown, string>();
  let first = true;
  for (const { from, to, ports } of connections) {
    let text = portsText.get(ports);
    if (text === undefined) {
      text = indent(JSON.stringify(ports, null, 2), "      ");
      portsText.set(ports, text);
    }
    out.write(first ? "[\n    " : ",\n    ");
    out.write(
      `{\n      "from": ${JSON.stringify(from)},\n      "to": ${JSON.stringify(to)},\n      "ports": ${text}\n    }`,
    );
    first = false;
  }
  out.write(first ? "[]" : "\n  ]");
}
