import { expand, interpolate, pad, reshape, type Tensor } from "@diva/tensor";
import { applyConv2d } from "../../layers/conv.js";
import type { ConvSamplerParams } from "./params.js";
import type { ShapeBuilder } from "./specs.js";

/** Declares `Downsample2D`/`Upsample2D` with a 3x3 convolution (`conv`). */
export function samplerShapes(b: ShapeBuilder, channels: number, outChannels = channels): void {
  b.conv("conv", channels, outChannels, 3);
}

/**
 * `Downsample2D` with a convolution: a 3x3 stride-2 conv with `padding`; padding 0 means the asymmetric
 * (0, 1, 0, 1) zero padding of the original LDM code first (the VAE).
 */
export function downsampleForward(p: ConvSamplerParams, x: Tensor, padding: number): Tensor {
  if (padding === 0) return applyConv2d(p.conv, pad(x, [[0, 1], [0, 1]]), { stride: 2 });
  return applyConv2d(p.conv, x, { stride: 2, padding });
}

/** `Upsample2D` with a convolution: nearest 2x (or to `size`) then a 3x3 conv with padding 1. */
export function upsampleForward(p: ConvSamplerParams, x: Tensor, size?: readonly [number, number]): Tensor {
  return applyConv2d(p.conv, size ? interpolate(x, { size, mode: "nearest" }) : nearest2x(x), { padding: 1 });
}

/** Nearest-neighbour 2x upsampling of [N, C, H, W] as one broadcast copy (its gradient is a sum over 2x2). */
function nearest2x(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return reshape(expand(reshape(x, [N, C, H, 1, W, 1]), [N, C, H, 2, W, 2]), [N, C, 2 * H, 2 * W]);
}
