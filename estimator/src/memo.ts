/**
 * Caches of pure functions' results, by a key string that holds everything the function reads (so a cached result
 * is the one a call would compute). Callers share the cached objects and must not mutate them.
 */

/** Unbounded: for caches that live as long as one computation (a planner search). */
export function memo<A extends unknown[], T>(key: (...args: A) => string, compute: (...args: A) => T): (...args: A) => T {
  const seen = new Map<string, T>();
  return (...args) => {
    const k = key(...args);
    let v = seen.get(k);
    if (v === undefined) seen.set(k, (v = compute(...args)));
    return v;
  };
}

/** Keeps the `size` most recently used results: for module-level caches that serve every caller. */
export function boundedMemo<A extends unknown[], T>(size: number, key: (...args: A) => string, compute: (...args: A) => T): (...args: A) => T {
  const seen = new Map<string, T>();
  return (...args) => {
    const k = key(...args);
    let v = seen.get(k);
    if (v !== undefined) {
      seen.delete(k);
    } else {
      v = compute(...args);
      if (seen.size >= size) seen.delete(seen.keys().next().value!);
    }
    seen.set(k, v);
    return v;
  };
}
