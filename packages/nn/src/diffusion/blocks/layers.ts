import { conv2d, gelu, groupNorm, layerNorm, linear, matmul, mul, relu, reshape, silu, softplus, tanh, add, type BiasActivation, type Tensor } from "@diva/tensor";
import type { Conv2dParams, LinearParams, NormParams } from "./params.js";

/** Activation names of diffusers' `get_activation`. */
export type ActivationName = "silu" | "swish" | "mish" | "gelu" | "relu";

const ACTIVATIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  silu,
  swish: silu,
  mish: (x) => mul(x, tanh(softplus(x))),
  gelu: (x) => gelu(x),
  relu,
};

/** The activation function called `name` in a diffusers config, or an error naming the field. */
export function activation(name: string, field = "act_fn"): (x: Tensor) => Tensor {
  const f = ACTIVATIONS[name as ActivationName];
  if (!f) throw new Error(`${field}: activation ${JSON.stringify(name)} is not one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  return f;
}

/** x @ W^T + b over the last axis. */
export function applyLinear(p: LinearParams, x: Tensor): Tensor {
  return linear(x, p.weight, p.bias ?? null);
}

/** A Linear, or a 1x1 Conv2d used as one (its weight [out, in, 1, 1] read as [out, in]), applied to tokens [..., in]. */
export function applyTokenProjection(p: LinearParams | Conv2dParams, x: Tensor): Tensor {
  const w = p.weight.rank === 4 ? reshape(p.weight, [p.weight.shape[0]!, p.weight.shape[1]!]) : p.weight;
  return linear(x, w, p.bias ?? null);
}

/** Conv2d; a 1x1 stride-1 unpadded convolution runs as one matmul over [N, C, H*W] without im2col. */
export function applyConv(p: Conv2dParams, x: Tensor, stride = 1, padding = 0): Tensor {
  const [O, C, kh, kw] = p.weight.shape as [number, number, number, number];
  if (kh === 1 && kw === 1 && stride === 1 && padding === 0 && x.rank === 4 && x.shape[1] === C) {
    const [N, , H, W] = x.shape as [number, number, number, number];
    let y = matmul(reshape(p.weight, [O, C]), reshape(x, [N, C, H * W]));
    if (p.bias) y = add(y, reshape(p.bias, [O, 1]));
    return reshape(y, [N, O, H, W]);
  }
  return conv2d(x, p.weight, p.bias ?? null, { stride, padding });
}

/** GroupNorm over [N, C, ...] with `groups` groups. */
export function applyGroupNorm(p: NormParams, x: Tensor, groups: number, eps: number): Tensor {
  return groupNorm(x, groups, p.weight, p.bias, eps);
}

/**
 * GroupNorm followed by the activation `act` (a diffusers `act_fn` name): SiLU/swish runs fused into the
 * group-norm kernel (one pass); other activations run after it.
 */
export function applyGroupNormAct(p: NormParams, x: Tensor, groups: number, eps: number, act: string): Tensor {
  if (act === "silu" || act === "swish") return groupNorm(x, groups, { weight: p.weight, bias: p.bias, eps, activation: "silu" });
  return activation(act)(applyGroupNorm(p, x, groups, eps));
}

const FUSABLE: Partial<Record<string, BiasActivation>> = { silu: "silu", swish: "silu", gelu: "gelu", relu: "relu" };

/** A Linear followed by the activation `act` (a diffusers `act_fn` name), fused with the bias add where it can be. */
export function applyLinearAct(p: LinearParams, x: Tensor, act: string): Tensor {
  const fused = FUSABLE[act];
  if (fused) return linear(x, p.weight, p.bias ?? null, { activation: fused });
  return activation(act)(applyLinear(p, x));
}

/** LayerNorm over the last axis. */
export function applyLayerNorm(p: NormParams, x: Tensor, eps: number): Tensor {
  return layerNorm(x, [x.shape[x.rank - 1]!], p.weight, p.bias, eps);
}
