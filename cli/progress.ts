// Progress on stderr: one redrawn bar on a terminal (files done, rate, ETA), plain lines
// otherwise (logs, CI, Kubernetes), so stdout stays free for the --json summary.

export interface ProgressState {
  /** Files finished in any way (written, skipped, failed). */
  done: number;
  total: number;
  /** Files written: the rate counts only these (skips are instant, most failures too). */
  processed: number;
  elapsedMs: number;
}

const clock = (s: number) => {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};

/** `[#####·····] 5/10  0.82 photos/s  ETA 0:06`: the rate over the files written. */
export function formatBar(p: ProgressState, width = 20): string {
  const frac = p.total ? p.done / p.total : 1;
  const fill = Math.round(frac * width);
  const rate = p.processed && p.elapsedMs ? p.processed / (p.elapsedMs / 1000) : 0;
  const eta = rate ? clock((p.total - p.done) / rate) : '–';
  return `[${'#'.repeat(fill)}${'·'.repeat(width - fill)}] ${p.done}/${p.total}  ${rate.toFixed(2)} photos/s  ETA ${eta}`;
}

export class Progress {
  private t0 = performance.now();
  private state: ProgressState;

  constructor(
    total: number,
    private out: NodeJS.WriteStream = process.stderr,
    private tty = Boolean(out.isTTY),
  ) {
    this.state = { done: 0, total, processed: 0, elapsedMs: 0 };
  }

  /** One file finished; `line` says how (plain mode prints it, the bar shows it beside). */
  file(line: string, written: boolean): void {
    this.state.done++;
    if (written) this.state.processed++;
    this.state.elapsedMs = performance.now() - this.t0;
    const bar = formatBar(this.state);
    // One screen line, or the next redraw (\r) would leave the wrapped part behind.
    if (this.tty) this.out.write(`\r\x1b[K${`${bar}  ${line}`.slice(0, (this.out.columns || 80) - 1)}`);
    else this.out.write(`[${this.state.done}/${this.state.total}] ${line}\n`);
  }

  /** A message that must stay on screen (a failure): above the bar on a terminal. */
  note(line: string): void {
    this.out.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  end(summary: string): void {
    this.out.write(this.tty ? `\r\x1b[K${summary}\n` : `${summary}\n`);
  }
}
