import { isFloat } from "../dtype.js";
import { beginScope, endScope } from "../engine/scope.js";
import { tidy } from "../engine/tidy.js";
import { Tensor } from "../tensor.js";
import { mapTree, treeLeaves } from "../tree.js";
import { fmt } from "../shape.js";
import { markLeaf, popLevel, pushLevel, withCeiling } from "./tape.js";
import { runKernel, runView } from "../ops/registry.js";

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Which positional arguments to differentiate (default 0). An array gives a tuple of gradients. */
  argnums?: number | readonly number[];
  /** `f` returns `[loss, aux]`; aux is passed through untouched. */
  hasAux?: boolean;
}

/** A view of `x` that autograd treats as a constant. */
export function stopGradient<T extends Tensor>(x: T): T {
  x.assertLive("stopGradient");
  return new Tensor(x.ref, x.dtype, x.shape, x.strides, x.offset) as T;
}

/** Runs `fn` without recording anything for autograd. */
export function noGrad<T>(fn: () => T): T {
  return withCeiling(0, fn);
}

/**
 * Returns a function computing `[f(...args), gradient of f w.r.t. args[argnums]]`. The gradient has the same
 * tree structure (tensors in nested objects/arrays) as the differentiated argument. `f` must return a
 * one-element floating-point tensor (or `[loss, aux]` with `hasAux`). Calls nest: `grad(grad(f))` works.
 *
 * @example
 * ```ts
 * const f = (p: { w: Tensor; b: Tensor }) => sum(square(add(mul(x, p.w), p.b)));
 * const [loss, grads] = valueAndGrad(f)({ w, b }); // grads.w, grads.b
 * ```
 */
export function valueAndGrad<A extends unknown[], R, N extends number = 0>(
  f: (...args: A) => R,
  options?: GradOptions & { argnums?: N },
): (...args: A) => [R, A[N]];
export function valueAndGrad<A extends unknown[], R>(
  f: (...args: A) => R,
  options: GradOptions & { argnums: readonly number[] },
): (...args: A) => [R, unknown[]];
export function valueAndGrad<A extends unknown[], R>(f: (...args: A) => R, options: GradOptions = {}): (...args: A) => [R, unknown] {
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  return (...args: A) => {
    for (const i of list) {
      if (i < 0 || i >= args.length) throw new Error(`grad: argnums ${i} is out of range for ${args.length} arguments`);
    }
    const level = pushLevel();
    const scope = beginScope();
    let result: R | undefined;
    let grads: unknown;
    let ok = false;
    try {
      const wrapped = args.map((a, i) =>
        list.includes(i)
          ? mapTree((t) => {
              if (!isFloat(t.dtype)) throw new Error(`grad: cannot differentiate w.r.t. a ${t.dtype} tensor`);
              const leaf = runView("identity", t, {});
              markLeaf(leaf, level);
              return leaf;
            }, a)
          : a,
      ) as A;
      result = f(...wrapped);
      const value = options.hasAux ? (result as unknown as [unknown, unknown])[0] : result;
      if (!(value instanceof Tensor)) throw new Error("grad: the function must return a tensor" + (options.hasAux ? " as the first element" : ""));
      if (value.size !== 1 || !isFloat(value.dtype)) {
        throw new Error(`grad: the function must return a one-element float tensor, got ${fmt(value.shape)} ${value.dtype}`);
      }
      const gmap = backward(value, list.flatMap((i) => treeLeaves(wrapped[i])), level);
      const perArg = list.map((i) =>
        mapTree((leaf) => gmap.get(leaf.id) ?? runKernel("fill", [], { value: 0, shape: leaf.shape, dtype: leaf.dtype }, leaf.device), wrapped[i]),
      );
      grads = typeof argnums === "number" ? perArg[0] : perArg;
      ok = true;
      return [result, grads];
    } finally {
      // On an error nothing made here survives: not f's result (a non-scalar loss, aux tensors), not gradients.
      endScope(scope, ok ? new Set(treeLeaves([result, grads])) : new Set());
      popLevel(level);
    }
  };
}

/** Returns a function computing the gradient of `f` w.r.t. `args[argnums]` (see `valueAndGrad`). */
export function grad<A extends unknown[], R, N extends number = 0>(
  f: (...args: A) => R,
  options?: GradOptions & { argnums?: N; hasAux?: false },
): (...args: A) => A[N];
export function grad<A extends unknown[], R>(f: (...args: A) => R, options: GradOptions & { argnums: readonly number[] }): (...args: A) => unknown[];
export function grad<A extends unknown[], R>(f: (...args: A) => R, options: GradOptions = {}): (...args: A) => unknown {
  const vg = valueAndGrad(f, options as GradOptions & { argnums: readonly number[] });
  return (...args: A) => {
    const [value, g] = vg(...args);
    const keepers = new Set(treeLeaves(g));
    const loss = options.hasAux ? (value as unknown as [unknown, unknown])[0] : value;
    for (const t of treeLeaves(loss)) if (!keepers.has(t)) t.dispose();
    return options.hasAux ? [g, (value as unknown as [unknown, unknown])[1]] : g;
  };
}

/**
 * @internal Reverse pass of one level (seeded with ones, or with `seedGrad`, which the caller keeps owning): iterative topological order from `y`, then VJPs in reverse, accumulating
 * cotangents by tensor id. Cotangents that are no longer needed are disposed as soon as they are consumed.
 */
export function backward(y: Tensor, leaves: readonly Tensor[], level: number, seedGrad?: Tensor): Map<number, Tensor> {
  const order: Tensor[] = [];
  const visited = new Set<number>();
  const stack: [Tensor, boolean][] = [[y, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (visited.has(t.id)) continue;
    visited.add(t.id);
    stack.push([t, true]);
    const node = t.nodes?.[level];
    if (node?.vjp) for (const inp of node.inputs) if (inp.nodes?.[level] && !visited.has(inp.id)) stack.push([inp, false]);
  }
  const leafIds = new Set(leaves.map((l) => l.id));
  const grads = new Map<number, Tensor>();
  // how many map entries point at each cotangent handle (VJPs may return the same handle twice)
  const refs = new Map<Tensor, number>();
  const hold = (g: Tensor) => refs.set(g, (refs.get(g) ?? 0) + 1);
  const release = (g: Tensor) => {
    const n = (refs.get(g) ?? 0) - 1;
    if (n <= 0) refs.delete(g);
    else refs.set(g, n);
  };
  return withCeiling(level - 1, () => {
    // a caller's seed is held twice so that the reverse pass never disposes it
    const seed = seedGrad ?? runKernel("fill", [], { value: 1, shape: y.shape, dtype: y.dtype }, y.device);
    grads.set(y.id, seed);
    hold(seed);
    if (seedGrad) hold(seed);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      // the output itself has no node when it does not depend on any differentiated input
      const node = t.nodes?.[level];
      const g = grads.get(t.id);
      if (!g || !node?.vjp) continue;
      const temps: Tensor[] = [];
      const needsGrad = node.inputs.map((inp) => inp.nodes?.[level] !== undefined);
      const ins = tidy(() => node.vjp!(g, { inputs: node.inputs, output: node.output, attrs: node.attrs, needsGrad }));
      if (ins.length !== node.inputs.length) throw new Error(`autograd: VJP of ${node.name} returned ${ins.length} gradients for ${node.inputs.length} inputs`);
      ins.forEach((gi, k) => {
        if (!gi) return;
        const inp = node.inputs[k]!;
        if (!inp.nodes?.[level]) {
          temps.push(gi);
          return;
        }
        if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
          throw new Error(`autograd: VJP of ${node.name} gave ${fmt(gi.shape)} for an input of shape ${fmt(inp.shape)}`);
        }
        const gc = gi.dtype === inp.dtype ? gi : runKernel("cast", [gi], { dtype: inp.dtype });
        if (gc !== gi) temps.push(gi);
        const prev = grads.get(inp.id);
        if (prev) {
          const sumG = runKernel("add", [prev, gc], {});
          release(prev);
          temps.push(prev, gc);
          grads.set(inp.id, sumG);
          hold(sumG);
        } else {
          grads.set(inp.id, gc);
          hold(gc);
        }
      });
      if (!leafIds.has(t.id)) {
        grads.delete(t.id);
        release(g);
        temps.push(g);
      }
      for (const tmp of temps) if (!refs.has(tmp)) tmp.dispose();
    }
    const out = new Map<number, Tensor>();
    for (const id of leafIds) {
      const g = grads.get(id);
      if (g) out.set(id, g);
    }
    // anything else still in the map (unreachable from a leaf) is garbage
    for (const [id, g] of grads) if (!leafIds.has(id) && !refs.has(g)) g.dispose();
    return out;
  });
}
