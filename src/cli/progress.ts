/**
 * Import progress on stderr, so stdout keeps only the report. A terminal gets a bar redrawn in
 * place; anything else (a CI log, a k8s Job) gets one plain line per tenth, because redrawn
 * lines turn into thousands of log lines there.
 */
export class Progress {
  private lastDrawAt = 0;
  private lastTenth = 0;
  private drawn = false;

  private readonly stream = process.stderr;

  constructor(private readonly total: number) {}

  /** `done` counts the same units as `total` (bytes of the input files, or MovieLens records). */
  update(done: number): void {
    const fraction = this.total === 0 ? 1 : Math.min(done / this.total, 1);
    if (this.stream.isTTY) {
      // Redrawing on every record would cost more than the import itself.
      if (Date.now() - this.lastDrawAt < 100 && fraction < 1) return;
      this.lastDrawAt = Date.now();
      this.stream.write(`\r${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.stream.write(`import: ${tenth * 10}%\n`);
    }
  }

  /** Ends the bar's line, so whatever is printed next starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

function bar(fraction: number, width = 30): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
