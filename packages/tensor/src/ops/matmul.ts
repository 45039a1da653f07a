import type { BiasActivation, KernelAttrs } from "../backend/backend.js";
import { promoteTypes } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { broadcastShapes, fmt } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { biasActivation } from "./bias-act.js";
import { add } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { expand, reshape, transpose, viewStrides } from "./shape.js";
import { castOperand, castTo, mixedOperandDType } from "./util.js";

/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to a row/column and the added dim is
 * removed after; leading (batch) dims broadcast. Transposed views are read in place, without copies.
 *
 * @example
 * ```ts
 * matmul(q, transpose(k)); // [B, H, L, D] @ [B, H, D, L] -> [B, H, L, L]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  a.assertLive("matmul");
  b.assertLive("matmul");
  if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: both operands need at least one dim, got ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  return tidy(() => {
    const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
    const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
    const k = a2.shape[a2.rank - 1]!;
    if (k !== b2.shape[b2.rank - 2]) {
      throw new Error(`matmul: ${fmt(a.shape)} @ ${fmt(b.shape)}: inner dimensions ${k} and ${b2.shape[b2.rank - 2]} differ`);
    }
    const [ba, bb] = [a2.shape.slice(0, -2), b2.shape.slice(0, -2)];
    if (ba.some((d, i) => { const e = bb[bb.length - ba.length + i]; return e !== undefined && d !== e && d !== 1 && e !== 1; })) {
      throw new Error(`matmul: ${fmt(a.shape)} @ ${fmt(b.shape)}: batch dims ${fmt(ba)} and ${fmt(bb)} cannot be broadcast together`);
    }
    const batch = broadcastShapes("matmul", ba, bb);
    const m = a2.shape[a2.rank - 2]!;
    const n = b2.shape[b2.rank - 1]!;
    const dt = promoteTypes(a.dtype, b.dtype);
    const rows = ba.reduce((x, y) => x * y, m);
    if (ba.length > 0 && bb.length === 0 && viewStrides(a2.shape, a2.strides, [rows, k])) {
      // [..., m, k] @ [k, n] with the batch dims mergeable into the rows: one GEMM, whose weight gradient
      // is one GEMM too (a batched one would need a sum over the batch)
      const out = reshape(runKernel("matmul", [reshape(castOperand(a2, dt), [rows, k]), castOperand(b2, dt)], {}), [...ba, m, n]);
      return b.rank === 1 ? reshape(out, [...ba, m]) : out;
    }
    const ae = expand(castOperand(a2, dt), [...batch, m, k]);
    const be = expand(castOperand(b2, dt), [...batch, k, n]);
    const out = runKernel("matmul", [ae, be], {});
    if (a.rank === 1 && b.rank === 1) return reshape(out, []);
    if (a.rank === 1) return reshape(out, [...batch, n]);
    if (b.rank === 1) return reshape(out, [...batch, m]);
    return out;
  });
}

/** Options of linear. */
export interface LinearOptions {
  /** Activation applied to x @ weight^T + bias, fused with the bias add (default "none"). */
  activation?: BiasActivation;
}

/**
 * y = act(x @ weight^T + bias), with weight [out, in] as torch.nn.Linear stores it. With an `activation`, the
 * bias add and the activation run as one fused kernel (`biasActivation`).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, options: LinearOptions = {}): Tensor {
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
  if (x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new Error(`linear: input ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features but weight ${fmt(weight.shape)} expects ${weight.shape[1]}`);
  }
  const act = options.activation ?? "none";
  return tidy(() => {
    const y = matmul(x, transpose(weight));
    if (act === "none") return bias ? add(y, bias) : y;
    if (bias && bias.rank === 1 && bias.dtype === "float16" && y.dtype === "float32") return biasActivation(y, castTo(bias, y.dtype), act);
    if (bias && (bias.rank !== 1 || bias.dtype !== y.dtype)) return biasActivation(add(y, bias), null, act);
    return biasActivation(y, bias ?? null, act);
  });
}

/** b's last two dims are stored column-major (b is a transposed view, as a linear layer's w^T). */
function isTransposedView(b: Tensor): boolean {
  const r = b.rank;
  return b.shape[r - 2]! > 1 && b.shape[r - 1]! > 1 && b.strides[r - 2] === 1 && b.strides[r - 1] === b.shape[r - 2];
}

/**
 * The gradient of the matmul kernel's b: a^T g, or for a transposed view b (x @ w^T) the same values as
 * (g^T a)^T, so that the gradient reaches w contiguous instead of as a transposed view that every later pass
 * (accumulation, clipping, the optimizer) would read through strides. Each element is the same sum in the
 * same order either way.
 */
function gradOfB(a: Tensor, b: Tensor, g: Tensor): Tensor {
  if (isTransposedView(b)) return transpose(runKernel("matmul", [transpose(g), a], {}));
  return runKernel("matmul", [transpose(a), g], {});
}

/** Registry entry of the matmul kernel (operands already broadcast to the same batch dims). */
export const matmulDefs: {
  /** Shape/dtype rule and VJP of the batched matmul kernel. */
  matmul: KernelOpDef<KernelAttrs["matmul"]>;
} = {
  matmul: {
    infer: ([a, b]) => {
      const r = a!.rank;
      if (r < 2 || b!.rank !== r || a!.shape[r - 1] !== b!.shape[r - 2] || a!.shape.slice(0, -2).some((d, i) => d !== b!.shape[i])) {
        throw new Error(`matmul: kernel operands ${fmt(a!.shape)} and ${fmt(b!.shape)} do not line up`);
      }
      const dtype = mixedOperandDType("matmul", a!.dtype, b!.dtype);
      if (dtype === "bool") throw new Error("matmul: not defined for bool tensors");
      return { shape: [...a!.shape.slice(0, -1), b!.shape[r - 1]!], dtype };
    },
    // with mixed operands each gradient is computed in float32 and given its operand's dtype
    vjp: (g, { inputs: [a, b], needsGrad }) => [
      needsGrad[0] ? castTo(runKernel("matmul", [g, transpose(b!)], {}), a!.dtype) : null,
      needsGrad[1] ? castTo(gradOfB(a!, b!, g), b!.dtype) : null,
    ],
  },
};
