/**
 * Splits latin1-decoded chunks into lines. It is the floor of every throughput figure, so it does nothing
 * but native `indexOf` and `slice`; a line that spans chunks is collected as pieces and joined once.
 */
export class LineSplitter {
  /** Pieces of the line that has begun but not yet ended; joined only when its `\n` arrives. */
  private carry: string[] = [];

  push(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    let newline = chunk.indexOf('\n');
    if (newline < 0) {
      if (chunk.length > 0) this.carry.push(chunk);
      return;
    }
    if (this.carry.length > 0) {
      this.carry.push(chunk.slice(0, newline));
      const line = this.carry.join('');
      this.carry = [];
      onLine(line);
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    while (newline >= 0) {
      onLine(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.carry.push(chunk.slice(start));
  }

  /** Delivers the last line when the input did not end with `\n` (strace killed mid-line). */
  end(onLine: (line: string) => void): void {
    if (this.carry.length === 0) return;
    const line = this.carry.join('');
    this.carry = [];
    onLine(line);
  }
}
