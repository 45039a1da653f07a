/**
 * Iterator.prototype.map and .filter for Node 20 (they arrived in Node 22). jax-js's einsum, which its
 * dotProductAttention uses, calls `string.matchAll(...).map(...)`; without these the attention cases of
 * jax-js fail on Node 20. Installed only where missing, in the benchmark process only.
 */

type AnyIterator = Iterator<unknown> & { map?: unknown; filter?: unknown };

/** Adds `map` and `filter` to %IteratorPrototype% when the runtime lacks them. */
export function installIteratorHelpers(): void {
  const proto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as AnyIterator;
  if (typeof proto.map !== "function") {
    Object.defineProperty(proto, "map", {
      configurable: true,
      writable: true,
      value: function* map(this: Iterator<unknown>, fn: (v: unknown, i: number) => unknown) {
        let i = 0;
        for (let r = this.next(); !r.done; r = this.next()) yield fn(r.value, i++);
      },
    });
  }
  if (typeof proto.filter !== "function") {
    Object.defineProperty(proto, "filter", {
      configurable: true,
      writable: true,
      value: function* filter(this: Iterator<unknown>, fn: (v: unknown, i: number) => boolean) {
        let i = 0;
        for (let r = this.next(); !r.done; r = this.next()) if (fn(r.value, i++)) yield r.value;
      },
    });
  }
}
