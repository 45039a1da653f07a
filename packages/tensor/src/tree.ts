import { checkName, nameRecord } from "./names.js";
import { Tensor } from "./tensor.js";

/** A nested structure of plain objects and arrays whose leaves may be tensors. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree } | number | string | boolean | null | undefined;

/**
 * Replaces every tensor of `tree` by `f(tensor, ...same-place tensors of rest, path)`, keeping the structure
 * of `tree` (as jax's `tree.map`). `path` is the dotted key path (`"blocks.0.weight"`). The other trees must
 * have the structure of `tree` (same array lengths, same keys, a tensor wherever `tree` has one); an error
 * names the first path where one differs. Leaves that are not tensors are returned as they are.
 *
 * @example
 * ```ts
 * const doubled = mapTree((t) => mul(t, 2), params);
 * const updated = mapTree((p, g) => sub(p, mul(g, lr)), params, grads);
 * ```
 */
export function mapTree<T>(f: (x: Tensor, path: string) => Tensor, tree: T): T;
export function mapTree<T>(f: (x: Tensor, y: Tensor, path: string) => Tensor, tree: T, y: unknown): T;
export function mapTree<T>(f: (x: Tensor, y: Tensor, z: Tensor, path: string) => Tensor, tree: T, y: unknown, z: unknown): T;
export function mapTree<T>(f: (x: Tensor, y: Tensor, z: Tensor, w: Tensor, path: string) => Tensor, tree: T, y: unknown, z: unknown, w: unknown): T;
export function mapTree<T>(f: (...args: never[]) => Tensor, tree: T, ...rest: unknown[]): T {
  return mapNode(f as (...args: (Tensor | string)[]) => Tensor, tree, rest, "") as T;
}

function mapNode(f: (...args: (Tensor | string)[]) => Tensor, tree: unknown, rest: readonly unknown[], path: string): unknown {
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (tree instanceof Tensor) {
    rest.forEach((r, k) => {
      if (!(r instanceof Tensor)) throw mismatch(path, k, `has ${describe(r)} where tree 1 has a tensor`);
    });
    return f(tree, ...(rest as Tensor[]), path);
  }
  if (Array.isArray(tree)) {
    rest.forEach((r, k) => {
      if (!Array.isArray(r) || r.length !== tree.length) throw mismatch(path, k, `has ${describe(r)} where tree 1 has an array of ${tree.length}`);
    });
    return tree.map((v, i) => mapNode(f, v, rest.map((r) => (r as unknown[])[i]), join(i)));
  }
  if (isPlainObject(tree)) {
    const keys = Object.keys(tree);
    rest.forEach((r, k) => {
      if (!isPlainObject(r)) throw mismatch(path, k, `has ${describe(r)} where tree 1 has an object`);
      const extra = Object.keys(r).find((key) => !Object.hasOwn(tree, key));
      const missing = keys.find((key) => !Object.hasOwn(r, key));
      if (missing !== undefined) throw mismatch(join(missing), k, "is missing");
      if (extra !== undefined) throw mismatch(join(extra), k, "is not in tree 1");
    });
    // Same prototype as the input; own keys are defined (not assigned), so a key "__proto__" stays a key.
    const out = Object.create(Object.getPrototypeOf(tree) as object | null) as Record<string, unknown>;
    for (const key of keys) defineEntry(out, key, mapNode(f, tree[key], rest.map((r) => (r as Record<string, unknown>)[key]), join(key)));
    return out;
  }
  return tree;
}

function mismatch(path: string, k: number, problem: string): Error {
  return new Error(`mapTree: at ${path ? JSON.stringify(path) : "the root"}, tree ${k + 2} ${problem}`);
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return "a tensor";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isPlainObject(v)) return "an object";
  return v === null ? "null" : typeof v === "object" ? "an object that is not a plain one" : typeof v;
}

/** All tensors of a tree, in a fixed order (arrays by index, objects by key insertion). */
export function treeLeaves(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  const stack: unknown[] = [tree];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof Tensor) out.push(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (isPlainObject(v)) {
      const vals = Object.values(v);
      for (let i = vals.length - 1; i >= 0; i--) stack.push(vals[i]);
    }
  }
  return out;
}

/** Flat `{ "a.b.0": tensor }` view of a tree (the key paths of checkpoint files), a prototype-less record. */
export function flattenTree(tree: unknown): Record<string, Tensor> {
  const out = nameRecord<Tensor>();
  mapTree((t, p) => {
    out[p] = t;
    return t;
  }, tree);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function defineEntry(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A tree built by {@link unflattenTree}: prototype-less objects and arrays with leaves of type `T`. */
export type NameTree<T> = T | NameTree<T>[] | { [key: string]: NameTree<T> };

const INDEX = /^\d+$/;

/**
 * Builds a tree from dotted names, the inverse of {@link flattenTree}: `{"a.0.b": x}` becomes `{a: [{b: x}]}`
 * (a segment followed by a numeric one holds an array). Objects of the tree have no prototype, and names with
 * a `__proto__`, `constructor` or `prototype` segment are refused; so are names that collide (`"a"` and
 * `"a.b"`), non-numeric or non-canonical keys under an array (`"a.0"` and `"a.x"` or `"a.01"`), and indices
 * past the number of names (an array that would be mostly holes). Errors name `source` (the file the names
 * came from) and the key.
 */
export function unflattenTree<T>(flat: Readonly<Record<string, T>> | Iterable<readonly [string, T]>, source = "unflattenTree"): Record<string, NameTree<T>> {
  const entries: (readonly [string, T])[] = isIterable(flat) ? [...flat] : Object.keys(flat).map((k) => [k, flat[k]!] as const);
  const root = nameRecord<NameTree<T>>();
  const containers = new WeakSet<object>([root]);
  const fail = (name: string, problem: string) => new Error(`${source}: key ${JSON.stringify(name)} ${problem}`);
  for (const [name, value] of entries) {
    checkName(name, source);
    const parts = name.split(".");
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (Array.isArray(node) && (!INDEX.test(part) || String(Number(part)) !== part)) {
        throw fail(name, `has ${JSON.stringify(part)} where ${JSON.stringify(parts.slice(0, i).join("."))} holds a list (numeric keys)`);
      }
      if (Array.isArray(node) && Number(part) >= entries.length) {
        throw fail(name, `has index ${part}, more than the ${entries.length} names could fill`);
      }
      const container = node as Record<string, unknown>;
      const existing = container[part];
      if (i === parts.length - 1) {
        if (existing !== undefined) throw fail(name, "collides with another name (it names a tensor and a group, or occurs twice)");
        container[part] = value;
        break;
      }
      let child = existing;
      if (child === undefined) {
        child = INDEX.test(parts[i + 1]!) ? [] : nameRecord<unknown>();
        containers.add(child as object);
        container[part] = child;
      } else if (typeof child !== "object" || child === null || !containers.has(child)) {
        throw fail(name, `collides with the name ${JSON.stringify(parts.slice(0, i + 1).join("."))}`);
      }
      node = child as Record<string, unknown> | unknown[];
    }
  }
  return root;
}

function isIterable<T>(v: unknown): v is Iterable<T> {
  return typeof v === "object" && v !== null && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
