/** The maps of maps MemoryStore and its parts keep per guild. */

/** The inner map under `key`, created and kept when there is none yet. */
export function getOrCreate<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}
