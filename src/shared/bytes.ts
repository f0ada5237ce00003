// Byte sizes, one unit system everywhere (issue 12): SI decimal, 1 MB = 1,000,000 bytes, as the
// size a browser or an OS file dialog shows. Limits are set in these units too (20 MB = 20e6).

export const KB = 1000;
export const MB = 1000 * KB;
export const GB = 1000 * MB;

/**
 * "12.3 MB" with one decimal, in the given number format (the UI passes its locale's); plain
 * digits when none is given (for logs and developer messages).
 */
export function formatBytes(n: number, format: (x: number) => string = (x) => x.toFixed(1)): string {
  const v = Number.isFinite(n) && n > 0 ? n : 0;
  if (v >= GB) return `${format(v / GB)} GB`;
  if (v >= MB) return `${format(v / MB)} MB`;
  if (v >= KB) return `${format(v / KB)} kB`;
  return `${Math.round(v)} B`;
}
