/**
 * softmax and logSoftmax along one axis, fused (kernels in backend/cpu/softmax.ts and
 * backend/webgpu/kernels/softmax.ts), with their VJPs.
 */
import type { KernelAttrs } from "../backend/backend.js";
import { tidy } from "../engine/tidy.js";
import { normAxis } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { exp, mul, sub } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { sum } from "./reduce.js";
import { reshape } from "./shape.js";
import { floatInput } from "./util.js";

/** Softmax along `axis` (default last), fused and max-subtracted. */
export function softmax(x: Tensor, axis = -1): Tensor {
  floatInput("softmax", x);
  const a = normAxis("softmax", axis, x.rank);
  // a 0-d tensor is one row of one element (the kernels need a dim)
  if (x.rank === 0) return tidy(() => reshape(runKernel("softmax", [reshape(x, [1])], { axis: 0 }), []));
  return runKernel("softmax", [x], { axis: a });
}

/** log(softmax(x)) along `axis`, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  floatInput("logSoftmax", x);
  const a = normAxis("logSoftmax", axis, x.rank);
  if (x.rank === 0) return tidy(() => reshape(runKernel("logSoftmax", [reshape(x, [1])], { axis: 0 }), []));
  return runKernel("logSoftmax", [x], { axis: a });
}

/** Registry entries of the fused softmax kernels. */
export const softmaxDefs: { [K in "softmax" | "logSoftmax"]: KernelOpDef<KernelAttrs[K]> } = {
  softmax: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { output, attrs }) => [mul(output, sub(g, sum(mul(g, output), attrs.axis, { keepdim: true })))],
  },
  logSoftmax: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { output, attrs }) => [sub(g, mul(exp(output), sum(g, attrs.axis, { keepdim: true })))],
  },
};
