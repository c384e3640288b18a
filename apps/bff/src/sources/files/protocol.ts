import type { FolderResult } from "./folder";

/** What the files source asks its reader thread: read the folder again. */
export interface ReadRequest {
  readonly type: "read";
  readonly id: number;
}

/** The reader thread's answer to a read request. */
export interface ReadAnswer {
  readonly type: "read";
  readonly id: number;
  readonly result: FolderResult;
}

/** How the reader thread is started: the folder, and the directory file names are given relative to. */
export interface ReaderData {
  readonly directory: string;
  readonly cwd: string;
}
