import { changeLogSuite } from "./change-log.suite";
import { embeddedDatabase } from "./database";

// The embedded store (PGlite, in memory): the same suite as on a PostgreSQL server.
changeLogSuite("the embedded database", () => embeddedDatabase(undefined));
