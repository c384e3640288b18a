// Writes report.schema.json and diff.schema.json from the zod schemas: `pnpm --filter @trustmap/shared schema`.
import { writeFileSync } from "node:fs";
import { diffSchemaText, reportSchemaText } from "../src/schemaFile";

writeFileSync(new URL("../report.schema.json", import.meta.url), reportSchemaText());
writeFileSync(new URL("../diff.schema.json", import.meta.url), diffSchemaText());
