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
