import { z } from "zod";
import { PostureDiff } from "./changes";
import { reportJsonSchema } from "./report";

/** The text of the published report.schema.json. */
export function reportSchemaText(): string {
  const schema = {
    ...(reportJsonSchema() as Record<string, unknown>),
    $id: "urn:trustmap:report:1",
    title: "Trustmap analysis report, schemaVersion 1",
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The text of the published diff.schema.json: what `trustmap diff --format json` prints. */
export function diffSchemaText(): string {
  const schema = {
    ...(z.toJSONSchema(PostureDiff, { target: "draft-2020-12" }) as Record<string, unknown>),
    $id: "urn:trustmap:diff:1",
    title: "Trustmap diff: the posture's facts that differ between two sets of manifests",
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
