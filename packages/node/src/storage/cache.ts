/** How many entries each of the storage services' caches keeps (the oldest goes first). */
export const MAX_CACHED = 1024;

/** Sets `key` in `map` and drops the oldest entry once the map holds more than MAX_CACHED. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value);
  if (map.size > MAX_CACHED) map.delete(map.keys().next().value as K);
}

/**
 * The promise cached under `key`, or a new one from `make` (cached until it settles in failure: a failed
 * chain read or check is asked again next time).
 */
export function cachedPromise<K, V>(map: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  let cached = map.get(key);
  if (cached === undefined) {
    cached = make();
    cached.catch(() => map.delete(key));
    remember(map, key, cached);
  }
  return cached;
}
