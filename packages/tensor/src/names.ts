/**
 * Names read from files (checkpoint keys, safetensors headers, metadata and JSON configs, preset files) become
 * object keys all over the library. A segment `__proto__`, `constructor` or `prototype` would reach an object's
 * prototype there (`root["__proto__"].isCausal = t` sets `Object.prototype.isCausal` for the whole process),
 * so such names are refused with an error naming the file and the key, and dictionaries keyed by names
 * have no prototype.
 */

/** Name segments refused in names read from files: as object keys they reach a prototype. */
export const RESERVED_NAME_SEGMENTS: readonly string[] = Object.freeze(["__proto__", "constructor", "prototype"]);

const RESERVED = new Set(RESERVED_NAME_SEGMENTS);

/** True when `segment` is one of {@link RESERVED_NAME_SEGMENTS}. */
export function isReservedNameSegment(segment: string): boolean {
  return RESERVED.has(segment);
}

/** The error for a reserved segment in `key` (read from `source`). */
export function reservedNameError(source: string, key: string, segment: string): Error {
  return new Error(
    `${source}: key ${JSON.stringify(key)} has the segment ${JSON.stringify(segment)}, which is refused in names read ` +
      `from files (as an object key it would reach an object prototype)`,
  );
}

/**
 * Throws an error naming `source` and `name` when a dotted name (`"a.b.0.c"`) has a segment
 * `__proto__`, `constructor` or `prototype`.
 */
export function checkName(name: string, source: string): void {
  for (const segment of name.split(".")) if (RESERVED.has(segment)) throw reservedNameError(source, name, segment);
}

/** {@link checkName} for every name. */
export function checkNames(names: Iterable<string>, source: string): void {
  for (const name of names) checkName(name, source);
}

/**
 * Walks a parsed JSON value (iteratively, any depth) and throws an error naming `source` and the key path
 * when an object key is `__proto__`, `constructor` or `prototype`. Returns the value for chaining.
 */
export function checkJsonKeys<T>(value: T, source: string): T {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
      continue;
    }
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (RESERVED.has(k)) throw reservedNameError(source, p, k);
      stack.push([(v as Record<string, unknown>)[k], p]);
    }
  }
  return value;
}

/** `JSON.parse` of text read from `source`, with {@link checkJsonKeys}; invalid JSON is an error naming `source`. */
export function parseJsonNames(text: string, source: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: invalid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return checkJsonKeys(value, source);
}

/**
 * A dictionary with no prototype, optionally filled from entries: keys read from files are ordinary own
 * properties there, and lookups of absent names give undefined (not `Object.prototype` members).
 */
export function nameRecord<T>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}
