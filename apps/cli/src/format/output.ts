/** Collects small writes into large ones: printing millions of connections one line at a time is slow. */
export class Output {
  private chunks: string[] = [];
  private size = 0;

  constructor(
    private readonly sink: (text: string) => void,
    private readonly chunkSize = 1 << 20,
  ) {}

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= this.chunkSize) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    this.sink(this.chunks.join(""));
    this.chunks = [];
    this.size = 0;
  }
}
