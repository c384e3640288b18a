/**
 * Cuts a newline-delimited stream (a watch response) into lines. The stream arrives in chunks
 * that end anywhere, also inside a line; the unfinished end is kept for the next chunk. Chunks are
 * text already decoded (the response's decoder keeps a character split across chunks whole).
 */
export class LineSplitter {
  private rest = "";

  push(text: string): string[] {
    const parts = (this.rest + text).split("\n");
    this.rest = parts.pop() ?? "";
    return parts.filter((line) => line.trim() !== "");
  }

  /** The last line, when the stream ended without a newline after it. */
  end(): string[] {
    const last = this.rest;
    this.rest = "";
    return last.trim() === "" ? [] : [last];
  }
}
