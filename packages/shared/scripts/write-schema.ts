// Writes report.schema.json from the zod schemas: `pnpm --filter @trustmap/shared schema`.
import { writeFileSync } from "node:fs";
import { reportSchemaText } from "../src/schemaFile";

writeFileSync(new URL("../report.schema.json", import.meta.url), reportSchemaText());
