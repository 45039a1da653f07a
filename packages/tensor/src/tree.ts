import { checkName, nameRecord } from "./names.js";
import { Tensor } from "./tensor.js";

/** A nested structure of plain objects and arrays whose leaves may be tensors. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree } | number | string | boolean | null | undefined;

/** Replaces every tensor of a tree by `f(tensor)`, keeping the structure. */
export function mapTree<T>(tree: T, f: (t: Tensor, path: string) => Tensor, path = ""): T {
  if (tree instanceof Tensor) return f(tree, path) as unknown as T;
  if (Array.isArray(tree)) return tree.map((v, i) => mapTree(v, f, path ? `${path}.${i}` : String(i))) as unknown as T;
  if (isPlainObject(tree)) {
    // Same prototype as the input; own keys are defined (not assigned), so a key "__proto__" stays a key.
    const out = Object.create(Object.getPrototypeOf(tree) as object | null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(tree)) defineEntry(out, k, mapTree(v, f, path ? `${path}.${k}` : k));
    return out as T;
  }
  return tree;
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
  mapTree(tree, (t, p) => {
    out[p] = t;
    return t;
  });
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
