import { isFloat } from "../dtype.js";
import { runKernel, runView } from "../ops/registry.js";
import { reshape } from "../ops/shape.js";
import { tidy } from "../engine/tidy.js";
import { Tensor } from "../tensor.js";
import { mapTree, treeLeaves } from "../tree.js";
import { backward } from "./grad.js";
import { isRecording, markLeaf, record, withFreshLevel, withoutCurrentLevels, type VjpContext } from "./tape.js";

/** What the tape keeps for one checkpointed call: the function and how to pack its outputs. */
interface CheckpointAttrs {
  readonly recompute: (inputs: readonly Tensor[]) => Tensor;
}

/**
 * Activation checkpointing (rematerialisation): `checkpoint(fn)` computes the same values as `fn`, but while
 * a gradient is being taken it keeps only `fn`'s inputs and output for the backward pass and re-runs `fn`
 * there to get the intermediates back. Memory for a chain of blocks goes from "every intermediate of every
 * block" to "block boundaries + one block's intermediates", for one more forward pass of each block.
 *
 * Rules, so that the gradient is exact:
 * - every tensor `fn` reads that is being differentiated (a trained layer's weights, a hidden state that
 *   depends on them) must be an argument; closing over a frozen tensor is fine. Reading a differentiated
 *   tensor that is not an argument is an error naming it.
 * - `fn` must be deterministic given its arguments. The library's random functions are counter-based with
 *   explicit keys, so randomness replays exactly when the keys are inputs (or closed over).
 * - arguments and results are trees of tensors (non-tensor leaves of the arguments pass through); several
 *   result tensors must share one float dtype.
 *
 * The re-run and its VJP are recorded for the outer gradient levels, so gradients of gradients work. Outside
 * any gradient computation `checkpoint(fn)` is just `fn`.
 *
 * @example
 * ```ts
 * const block = checkpoint((x: Tensor, p: BlockParams) => residualBlock(p, x));
 * const [loss, g] = valueAndGrad((p) => sum(block(x, p)))(params); // block's intermediates are recomputed
 * ```
 */
export function checkpoint<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    const inputs = treeLeaves(args);
    if (!isRecording(inputs)) return fn(...args);
    const rebuild = (xs: readonly Tensor[]): A => {
      let k = 0;
      return mapTree(() => xs[k++]!, args) as A;
    };
    // the forward pass without recording: its intermediates are freed as soon as nothing else holds them
    let result: R | undefined;
    const packed = withoutCurrentLevels(() => {
      // tidy: fn's intermediates (and, with several results, the unpacked results) are freed here
      const p = tidy(() => {
        result = fn(...args);
        return pack(treeLeaves(result), "checkpoint");
      });
      // a handle of its own, so that the node never lands on an input or on a tensor fn closed over
      return runView("identity", p, {});
    }, inputs);
    const recompute = (xs: readonly Tensor[]): Tensor => pack(treeLeaves(fn(...rebuild(xs))), "checkpoint (recompute)");
    record<CheckpointAttrs>("checkpoint", inputs, packed, checkpointVjp, { recompute });
    if (result instanceof Tensor) return packed as unknown as R;
    // several results: views of the packed tensor (recorded, so their cotangents reach the packed node)
    let start = 0;
    return mapTree((t) => {
      const flat = runView("slice", packed, { starts: [start], steps: [1], sizes: [t.size] });
      start += t.size;
      return runView("reshape", flat, { shape: t.shape });
    }, result) as R;
  };
}

/** One tensor for the results: the tensor itself, or its flattened results concatenated. */
function pack(outs: readonly Tensor[], what: string): Tensor {
  if (outs.length === 0) throw new Error(`${what}: the function returned no tensor`);
  for (const t of outs) if (!isFloat(t.dtype)) throw new Error(`${what}: results must be float tensors, got ${t.dtype}`);
  if (outs.length === 1) return outs[0]!;
  if (outs.some((t) => t.dtype !== outs[0]!.dtype)) throw new Error(`${what}: several results must share one dtype, got ${outs.map((t) => t.dtype).join(", ")}`);
  return runKernel(
    "concat",
    outs.map((t) => reshape(t, [t.size])),
    { axis: 0 },
  );
}

/** Re-runs the function on fresh leaves at a level of its own and takes its VJP with the cotangent `g`. */
function checkpointVjp(g: Tensor, ctx: VjpContext<CheckpointAttrs>): (Tensor | null)[] {
  return withFreshLevel((level) => {
    const xs = ctx.inputs.map((x, i) => {
      const leaf = runView("identity", x, {});
      if (ctx.needsGrad[i]) markLeaf(leaf, level);
      return leaf;
    });
    const y = ctx.attrs.recompute(xs);
    const gmap = backward(y, xs.filter((_, i) => ctx.needsGrad[i]), level, g);
    return xs.map((x) => gmap.get(x.id) ?? null);
  });
}
