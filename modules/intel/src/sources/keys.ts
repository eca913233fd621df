/**
 * Hands out source keys that are unique within one parse: the first record under a key keeps it,
 * the next ones get `#2`, `#3`… in source order. Sources repeat an incident heading (two PoCs of
 * one incident); `source:sourceKey` is a report's identity, so repeats must not collide.
 */
export function keyAllocator(): (base: string) => string {
  const seen = new Map<string, number>();
  return (base) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  };
}
