/**
 * float16 cases (WebGPU with `shader-f16` only): the webgpu side casts its inputs to float16, runs the op
 * in float16 storage and casts the result back; the cpu side runs in float32 on the same values. Inputs are
 * multiples of 1/256 in [-4, 4], exactly representable in float16, so the difference is the float16
 * rounding of results (and of intermediates for composite ops).
 */
import * as T from "@diva/tensor";
import type { Tensor } from "@diva/tensor";
import type { Tol } from "./compare.js";
import type { OpCase } from "./kernel-cases.js";
import type { Maker } from "./maker.js";

/** Tolerance of float16 storage with float32 arithmetic (a few float16 ulps). */
const HALF: Tol = { rtol: 4e-3, atol: 2e-3 };
/** Tolerance where float16 intermediates feed accumulations. */
const HALF_ACCUM: Tol = { rtol: 1e-2, atol: 1e-2 };

/** An input exactly representable in float16: float16 on webgpu, float32 on cpu. */
function half(mk: Maker, shape: readonly number[], lo = -4, hi = 4): Tensor {
  const x = mk.floats(shape, lo, hi, { quantum: 256 });
  return mk.device === "webgpu" ? T.cast(x, "float16") : x;
}

function f16Case(label: string, tol: Tol, f: (mk: Maker) => Tensor): OpCase {
  return { label, tol, run: (mk) => T.cast(f(mk), "float32") };
}

/** float16 cases, run only when the adapter has shader-f16. */
export const F16_CASES: readonly OpCase[] = [
  f16Case("add, broadcast [300,1] + [257]", HALF, (mk) => T.add(half(mk, [300, 1]), half(mk, [257]))),
  f16Case("exp, tanh [300,257]", HALF, (mk) => T.mul(T.exp(half(mk, [300, 257], -3, 3)), T.tanh(half(mk, [300, 257])))),
  f16Case("matmul [256,192] @ [192,320]", HALF_ACCUM, (mk) => T.matmul(half(mk, [256, 192], -1, 1), half(mk, [192, 320], -1, 1))),
  f16Case("sum [400,300] axis 1", HALF_ACCUM, (mk) => T.sum(half(mk, [400, 300], -1, 1), 1)),
  f16Case("softmax [128,1000]", HALF, (mk) => T.softmax(half(mk, [128, 1000]), -1)),
  f16Case("layerNorm + gelu [64,384]", HALF_ACCUM, (mk) => T.gelu(T.layerNorm(half(mk, [64, 384]), [384]))),
  f16Case("groupNorm + SiLU [2,64,16,16] 32 groups", HALF_ACCUM, (mk) => T.groupNorm(half(mk, [2, 64, 16, 16]), 32, { weight: half(mk, [64]), bias: half(mk, [64]), activation: "silu" })),
  f16Case("attention [2,8,77,64] causal", HALF_ACCUM, (mk) => T.scaledDotProductAttention(half(mk, [2, 8, 77, 64], -1, 1), half(mk, [2, 8, 77, 64], -1, 1), half(mk, [2, 8, 77, 64]), { isCausal: true })),
  f16Case("biasActivation quickGelu [300,257]", HALF, (mk) => T.biasActivation(half(mk, [300, 257]), half(mk, [257]), "quickGelu")),
  f16Case("conv2d [2,16,20,20] * [32,16,3,3]", HALF_ACCUM, (mk) => T.conv2d(half(mk, [2, 16, 20, 20], -1, 1), half(mk, [32, 16, 3, 3], -0.25, 0.25), null, { padding: 1 })),
];
