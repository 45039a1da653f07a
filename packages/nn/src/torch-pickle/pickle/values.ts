/**
 * The Python values a restricted unpickle produces. `None`, bools, ints, floats, str and bytes map to JS
 * primitives (`null`, boolean, number or bigint past 2^53, number, string, Uint8Array); lists are JS arrays;
 * tuples, dicts and sets get the small classes below so that they stay distinguishable. Anything else is an
 * object made by the resolver the unpickler was given (for checkpoints: storages, dtypes, tensor references).
 */

/** A Python tuple (immutable). */
export class PyTuple {
  /** Wraps `items`. */
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python dict (or OrderedDict): insertion-ordered, keys compared like JS Map keys. */
export class PyDict {
  /** The entries in insertion order. */
  readonly entries = new Map<unknown, unknown>();
  private attrs: Map<string, unknown> | undefined;
  /** Attributes set by BUILD (an OrderedDict's `_metadata`, for example); kept, never interpreted. */
  get attributes(): Map<string, unknown> {
    // Made on first use: most dicts never get any, and a pickle may hold millions of dicts.
    return (this.attrs ??= new Map());
  }
}

/** A Python set or frozenset (items in insertion order; duplicates are not removed). */
export class PySet {
  /** Wraps `items`. */
  constructor(
    readonly items: unknown[],
    readonly frozen: boolean,
  ) {}
}

/** A short name of a value's Python type, for error messages. */
export function describePy(value: unknown): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "list";
  if (value instanceof PyTuple) return "tuple";
  if (value instanceof PyDict) return "dict";
  if (value instanceof PySet) return value.frozen ? "frozenset" : "set";
  const named = value as { pyName?: unknown };
  if (typeof value === "object" && typeof named.pyName === "string") return named.pyName;
  return "object";
}
