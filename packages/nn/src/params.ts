import { flattenTree, Tensor } from "@diva/tensor";

/** A tree of parameters whose key paths are the reference checkpoint names (numeric segments are arrays). */
export type Params = { [key: string]: Tensor | Params | Params[] | Tensor[] };

/**
 * Builds a parameter tree from flat checkpoint names: `"a.0.b"` becomes `{ a: [{ b }] }`. Numeric segments
 * become array indices so that `resblocks[i]` reads naturally; the inverse is `flattenParams`.
 */
export function unflattenParams(flat: Record<string, Tensor>): Params {
  const root: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(flat)) {
    const parts = name.split(".");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      const key: string | number = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) {
        if (container[key] !== undefined) throw new Error(`unflattenParams: "${name}" collides with another parameter`);
        container[key] = t;
        return;
      }
      if (container[key] === undefined) container[key] = nextIsIndex ? [] : {};
      const child = container[key];
      if (child instanceof Tensor || typeof child !== "object" || child === null) {
        throw new Error(`unflattenParams: "${name}" collides with parameter "${parts.slice(0, i + 1).join(".")}"`);
      }
      node = child as Record<string, unknown> | unknown[];
    });
  }
  return root as Params;
}

/** Flat checkpoint names of a parameter tree (`{ a: [{ b }] }` -> `"a.0.b"`). */
export function flattenParams(params: Params): Record<string, Tensor> {
  return flattenTree(params);
}

/** The tensor at a dotted path of a parameter tree, or an error naming the path. */
export function getParam(params: Params, path: string): Tensor {
  let node: unknown = params;
  for (const part of path.split(".")) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (!(node instanceof Tensor)) throw new Error(`missing parameter "${path}"`);
  return node;
}
