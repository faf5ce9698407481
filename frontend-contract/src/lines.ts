/**
 * NDJSON line splitting shared by the transports.
 *
 * The sidecar writes one JSON value per line ended by "\n" and never a raw CR or LF inside a
 * frame, so splitting on "\n" alone is exact. A trailing "\r" (a Windows pipe, Tauri's
 * line reader stopping at CR) and blank lines are dropped. Chunks are kept in a list until their
 * line ends, so a multi-megabyte frame costs one join, not one copy per chunk.
 */

/** Strips a trailing CR; returns null for a blank or whitespace-only line. */
export function cleanLine(line: string): string | null {
  const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
  return trimmed.trim() === "" ? null : trimmed;
}

export class LineSplitter {
  private parts: string[] = [];

  constructor(private readonly emit: (line: string) => void) {}

  /** Feed decoded text; emits every line completed by it. */
  push(chunk: string): void {
    let start = 0;
    let newline = chunk.indexOf("\n");
    while (newline !== -1) {
      this.parts.push(chunk.slice(start, newline));
      this.flushLine();
      start = newline + 1;
      newline = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start));
  }

  /** End of stream: a last line without "\n" still counts. */
  end(): void {
    if (this.parts.length > 0) this.flushLine();
  }

  private flushLine(): void {
    const line = cleanLine(this.parts.length === 1 ? this.parts[0]! : this.parts.join(""));
    this.parts = [];
    if (line !== null) this.emit(line);
  }
}
