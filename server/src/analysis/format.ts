/** Units as users read them: GiB (2^30 bytes) with one decimal, always labelled. */
export const GIB = 2 ** 30;

export function gib(bytes: number): string {
  return (bytes / GIB).toFixed(1);
}

export function gibLabel(bytes: number): string {
  return `${gib(bytes)} GiB`;
}
