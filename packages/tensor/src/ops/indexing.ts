import type { KernelAttrs } from "../backend/backend.js";
import { tidy } from "../engine/tidy.js";
import { fmt, normAxis } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { arange, zeros } from "./creation.js";
import { cast, eq, where } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { expand, reshape } from "./shape.js";
import type { TensorLike } from "./util.js";

function checkIndexTensor(op: string, index: Tensor): void {
  if (index.dtype !== "int32") throw new Error(`${op}: index must be int32, got ${index.dtype}`);
}

/** torch.gather: out[i][j] = x[index[i][j]][j] along `axis`; index has x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normAxis("gather", axis, x.rank);
  return runKernel("gather", [x, index], { axis: a });
}

/** torch.scatter_add (out of place): base with src added at `index` positions along `axis`. */
export function scatterAdd(base: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const a = normAxis("scatterAdd", axis, base.rank);
  return runKernel("scatterAdd", [base, index, src], { axis: a });
}

/** Entries `index` (1-D int32) along `axis` (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normAxis("indexSelect", axis, x.rank);
  return runKernel("indexSelect", [x, index], { axis: a });
}

/** numpy.take along `axis`: `index` of any shape replaces that dim. */
export function take(x: Tensor, index: Tensor, axis = 0): Tensor {
  const a = normAxis("take", axis, x.rank);
  return tidy(() => {
    const flat = indexSelect(x, a, reshape(index, [index.size]));
    return reshape(flat, [...x.shape.slice(0, a), ...index.shape, ...x.shape.slice(a + 1)]);
  });
}

/** Embedding lookup: rows of `weight` [V, D] for integer `ids` of any shape -> [...ids.shape, D]. */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.rank !== 2) throw new Error(`embedding: weight must be [vocab, dim], got ${fmt(weight.shape)}`);
  return take(weight, ids, 0);
}

/** One-hot encoding along a new last dim: int32 ids of any shape -> [...shape, numClasses]. */
export function oneHot(ids: Tensor, numClasses: number, options: { dtype?: "int32" | "float32" | "float64" | "bool" } = {}): Tensor {
  checkIndexTensor("oneHot", ids);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  return tidy(() => {
    const hit = eq(reshape(ids, [...ids.shape, 1]), arange(numClasses, undefined, 1, { device: ids.device }));
    return cast(hit, options.dtype ?? "int32");
  });
}

/** `value` where `mask` is true, `x` elsewhere (torch.masked_fill). */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  return where(mask, value, x);
}

function sameRankIndex(op: string, x: Tensor, index: Tensor, axis: number, other?: Tensor): void {
  checkIndexTensor(op, index);
  if (index.rank !== x.rank) throw new Error(`${op}: index ${fmt(index.shape)} must have the rank of the input ${fmt(x.shape)}`);
  for (let d = 0; d < x.rank; d++) {
    if (d !== axis && index.shape[d]! > x.shape[d]!) throw new Error(`${op}: index ${fmt(index.shape)} is larger than input ${fmt(x.shape)} at dim ${d}`);
  }
  if (other && other.shape.some((s, d) => s !== index.shape[d])) {
    throw new Error(`${op}: src ${fmt(other.shape)} must have the shape of index ${fmt(index.shape)}`);
  }
}

/** Registry entries of the indexing kernels. */
export const indexingDefs: { [K in "gather" | "scatterAdd" | "indexSelect"]: KernelOpDef<KernelAttrs[K]> } = {
  gather: {
    infer: ([x, index], { axis }) => {
      sameRankIndex("gather", x!, index!, axis);
      return { shape: index!.shape, dtype: x!.dtype };
    },
    vjp: (g, { inputs: [x, index], attrs }) => [scatterAdd(zeros(x!.shape, { dtype: g.dtype, device: g.device }), attrs.axis, index!, g), null],
  },
  scatterAdd: {
    infer: ([base, index, src], { axis }) => {
      sameRankIndex("scatterAdd", base!, index!, axis, src);
      if (src!.dtype !== base!.dtype) throw new Error(`scatterAdd: src dtype ${src!.dtype} differs from base dtype ${base!.dtype}`);
      return { shape: base!.shape, dtype: base!.dtype };
    },
    vjp: (g, { inputs: [, index], attrs, needsGrad }) => [needsGrad[0] ? g : null, null, needsGrad[2] ? gather(g, attrs.axis, index!) : null],
  },
  indexSelect: {
    infer: ([x, index], { axis }) => {
      checkIndexTensor("indexSelect", index!);
      if (index!.rank !== 1) throw new Error(`indexSelect: index must be 1-D, got ${fmt(index!.shape)}`);
      const shape = [...x!.shape];
      shape[axis] = index!.shape[0]!;
      return { shape, dtype: x!.dtype };
    },
    vjp: (g, { inputs: [x, index], attrs }) => {
      const shape = g.shape.map((_, d) => (d === attrs.axis ? index!.shape[0]! : 1));
      const idx = expand(reshape(index!, shape), g.shape);
      return [scatterAdd(zeros(x!.shape, { dtype: g.dtype, device: g.device }), attrs.axis, idx, g), null];
    },
  },
};
