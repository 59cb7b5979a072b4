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
