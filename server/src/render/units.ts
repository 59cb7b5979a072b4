/** How sizes and counts are written for people: GiB (2^30 bytes), always labelled. */

const GIB = 2 ** 30;

/** "93.4 GiB" */
export function gib(bytes: number): string {
  return `${gibNumber(bytes)} GiB`;
}

/** "93.4": the number alone, for "93.4 / 80.0 GiB". */
export function gibNumber(bytes: number): string {
  return (bytes / GIB).toFixed(1);
}

/** "6.74 B", "125 M": parameter counts. */
export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** "1.2 PFLOP": floating-point operation counts. */
export function flops(n: number): string {
  const units: [number, string][] = [[1e18, 'EFLOP'], [1e15, 'PFLOP'], [1e12, 'TFLOP'], [1e9, 'GFLOP']];
  for (const [scale, unit] of units) if (n >= scale) return `${(n / scale).toFixed(1)} ${unit}`;
  return `${n} FLOP`;
}

/** "850 ms", "12.3 s", "4.2 min", "7.5 h", "12.4 days": a duration in the largest unit that keeps it ≥ 1. */
export function duration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toPrecision(3)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 3 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** "45,200": a rate or count with thousands separators, rounded. */
export function whole(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
