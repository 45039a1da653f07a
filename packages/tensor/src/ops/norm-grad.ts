/**
 * `normGrad`: the input gradient of a normalisation over the last axis, one kernel op (layer and group norm's
 * VJPs use it on the CPU instead of a dozen elementwise ops and reductions). Its own VJP is written with ops,
 * itself included, so gradients of gradients work.
 */
import type { KernelAttrs } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { fmt } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { add, mul, neg, rsqrt, square, sub } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { mean } from "./reduce.js";

/**
 * dx of y = (x - mean(x)) / sqrt(var(x) + eps) over the last axis (biased variance) for the cotangent g of y:
 * rstd (g - mean(g) - xhat mean(g xhat)) per row. x and g have the same shape and float dtype.
 */
export function normGrad(x: Tensor, g: Tensor, eps: number): Tensor {
  return runKernel("normGrad", [x, g], { eps });
}

/** Registry entry of the fused normalisation backward. */
export const normGradDefs: { normGrad: KernelOpDef<KernelAttrs["normGrad"]> } = {
  normGrad: {
    infer: ([x, g], attrs) => {
      if (!isFloat(x!.dtype) || g!.dtype !== x!.dtype) throw new Error(`normGrad: expected x and g of one float dtype, got ${x!.dtype} and ${g!.dtype}`);
      if (x!.rank < 1 || x!.shape.length !== g!.shape.length || x!.shape.some((d, i) => d !== g!.shape[i])) {
        throw new Error(`normGrad: x ${fmt(x!.shape)} and g ${fmt(g!.shape)} must have one shape of rank >= 1`);
      }
      if (!(attrs.eps >= 0)) throw new Error(`normGrad: eps must be a non-negative number, got ${attrs.eps}`);
      return { shape: x!.shape, dtype: x!.dtype };
    },
    // normGrad(x, g) = J(x)^T g with J the (symmetric) Jacobian of the normalisation, so the cotangent of g is
    // normGrad(x, h); that of x, by differentiating rstd, xhat and mean(g xhat):
    // -rstd (mean(h dx) xhat + mean(g xhat) normGrad(x, h) + mean(h xhat) dx), dx this op's output
    vjp: (h, { inputs: [x, g], output, attrs, needsGrad }) => {
      const jh = normGrad(x!, h, attrs.eps);
      if (!needsGrad[0]) return [null, jh];
      const last = [x!.rank - 1];
      const keep = { keepdim: true };
      const xhat = runKernel("layerNorm", [x!], { dims: 1, eps: attrs.eps, weight: false, bias: false });
      const rstd = rsqrt(add(mean(square(sub(x!, mean(x!, last, keep))), last, keep), attrs.eps));
      const sumTerms = add(add(mul(mean(mul(h, output), last, keep), xhat), mul(mean(mul(g!, xhat), last, keep), jh)), mul(mean(mul(h, xhat), last, keep), output));
      return [neg(mul(rstd, sumTerms)), needsGrad[1] ? jh : null];
    },
  },
};
