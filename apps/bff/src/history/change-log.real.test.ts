import { startPostgres } from "../testing/postgres";
import { changeLogSuite } from "./change-log.suite";
import { postgresDatabase } from "./database";

// A real PostgreSQL server from Debian's packages: the same suite as on the embedded store.
let stop: (() => void) | undefined;
changeLogSuite(
  "a PostgreSQL server",
  async () => {
    const server = await startPostgres();
    stop = () => server.stop();
    return postgresDatabase(server.url);
  },
  () => stop?.(),
);
