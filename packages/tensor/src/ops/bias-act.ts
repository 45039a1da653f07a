/**
 * Fused bias + activation, act(x + bias) in one pass (the epilogue of a linear layer). The activation's
 * forward code and derivative are those of the elementwise table, so they cannot drift apart.
 */
import type { BiasActivation, KernelAttrs } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { fmt } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { Vjp } from "../autograd/tape.js";
import { add, elementwiseDefs } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { sumTo } from "./util.js";

/** The activations biasActivation fuses. */
const BIAS_ACTIVATIONS: readonly BiasActivation[] = ["none", "relu", "gelu", "geluTanh", "quickGelu", "silu"];

/**
 * act(x + bias) in one kernel: `bias` (1-D, the size of x's last dim) broadcasts over the last axis;
 * `activation` is "none", "relu", "gelu" (erf), "geluTanh", "quickGelu" or "silu". A null bias applies the
 * activation alone.
 *
 * @example
 * ```ts
 * biasActivation(matmul(x, transpose(w)), b, "gelu"); // gelu(x @ w^T + b)
 * ```
 */
export function biasActivation(x: Tensor, bias: Tensor | null, activation: BiasActivation = "none"): Tensor {
  if (!BIAS_ACTIVATIONS.includes(activation)) {
    throw new Error(`biasActivation: unknown activation ${JSON.stringify(activation)} (expected one of ${BIAS_ACTIVATIONS.join(", ")})`);
  }
  if (!isFloat(x.dtype)) throw new Error(`biasActivation: expected a float tensor, got ${x.dtype} ${fmt(x.shape)}`);
  if (!bias) return activation === "none" ? runKernel("contiguous", [x], {}) : runKernel(activation, [x], {});
  if (x.rank < 1 || bias.rank !== 1 || bias.shape[0] !== x.shape[x.rank - 1]) {
    throw new Error(`biasActivation: bias ${fmt(bias.shape)} must be 1-D with the size of the last dim of x ${fmt(x.shape)}`);
  }
  if (bias.dtype !== x.dtype) throw new Error(`biasActivation: bias dtype ${bias.dtype} differs from x's ${x.dtype}`);
  return runKernel("biasAct", [x, bias], { activation });
}

/** Registry entry of the fused bias + activation kernel. */
export const biasActDefs: { biasAct: KernelOpDef<KernelAttrs["biasAct"]> } = {
  biasAct: {
    infer: ([x, b]) => {
      if (x!.rank < 1 || b!.rank !== 1 || b!.shape[0] !== x!.shape[x!.rank - 1]) {
        throw new Error(`biasAct: bias ${fmt(b!.shape)} must be 1-D with the size of the last dim of x ${fmt(x!.shape)}`);
      }
      if (b!.dtype !== x!.dtype) throw new Error(`biasAct: bias dtype ${b!.dtype} differs from x's ${x!.dtype}`);
      return { shape: x!.shape, dtype: x!.dtype };
    },
    vjp: (g, { inputs: [x, b], output, attrs, needsGrad }) => {
      let gz = g;
      if (attrs.activation !== "none") {
        // the activation's own VJP at z = x + bias (its output is this op's output)
        const vjp = elementwiseDefs[attrs.activation].vjp as Vjp<Record<string, never>>;
        gz = vjp(g, { inputs: [add(x!, b!)], output, attrs: {}, needsGrad: [true] })[0]!;
      }
      return [needsGrad[0] ? gz : null, needsGrad[1] ? sumTo(gz, b!.shape) : null];
    },
  },
};
