/** 2-D convolution over a `{ weight, bias }` parameter tree (torch.nn.Conv2d layout: weight [out, in/groups, kh, kw]). */
import { add, conv2d, matmul, reshape, type RandomKey, type Size2, type Tensor } from "@diva/tensor";
import { initFromSpecs, kaimingUniformInit, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** Parameters of a 2-D convolution, named as torch.nn.Conv2d stores them. */
export type Conv2dParams = {
  /** [out_channels, in_channels / groups, kh, kw]. */
  weight: Tensor;
  /** [out_channels], absent when the layer has no bias. */
  bias?: Tensor;
};

/** torch.nn.Conv2d constructor arguments. */
export interface Conv2dConfig {
  /** Input channels. */
  in_channels: number;
  /** Output channels. */
  out_channels: number;
  /** Kernel size. */
  kernel_size: Size2;
  /** Stride (default 1). */
  stride?: Size2;
  /** Padding (default 0), or "same"/"valid". */
  padding?: Size2 | "same" | "valid";
  /** Dilation (default 1). */
  dilation?: Size2;
  /** Channel groups (default 1). */
  groups?: number;
  /** Whether there is a bias (default true). */
  bias?: boolean;
}

function pair(s: Size2): [number, number] {
  return typeof s === "number" ? [s, s] : [s[0], s[1]];
}

/**
 * Convolves x [N, C, H, W] with the layer's weight (stride, padding, dilation and groups from the config). A 1x1
 * stride-1 unpadded convolution runs as one matmul over [N, C, H*W], without im2col.
 */
export function applyConv2d(params: Conv2dParams, x: Tensor, config: Pick<Conv2dConfig, "stride" | "padding" | "dilation" | "groups"> = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = config;
  const [O, C, kh, kw] = params.weight.shape as [number, number, number, number];
  if (kh === 1 && kw === 1 && stride === 1 && padding === 0 && groups === 1 && x.rank === 4 && x.shape[1] === C) {
    const [N, , H, W] = x.shape as [number, number, number, number];
    const y = matmul(reshape(params.weight, [O, C]), reshape(x, [N, C, H * W]));
    return reshape(params.bias ? add(y, reshape(params.bias, [O, 1])) : y, [N, O, H, W]);
  }
  return conv2d(x, params.weight, params.bias ?? null, { stride, padding, dilation, groups });
}

/** Specs of a conv layer with torch's default init (uniform ±1/sqrt(fan_in)). */
export function conv2dSpecs(config: Conv2dConfig): SpecsOf<Conv2dParams> {
  const [kh, kw] = pair(config.kernel_size);
  const groups = config.groups ?? 1;
  if (config.in_channels % groups !== 0 || config.out_channels % groups !== 0) {
    throw new Error(`conv2d: groups ${groups} must divide in_channels ${config.in_channels} and out_channels ${config.out_channels}`);
  }
  const cin = config.in_channels / groups;
  const init = kaimingUniformInit(cin * kh * kw);
  const specs: ParamSpecs = { weight: spec([config.out_channels, cin, kh, kw], init) };
  if (config.bias ?? true) specs.bias = spec([config.out_channels], init);
  return specs;
}

/** A freshly initialised conv layer (torch's default init). */
export function initConv2d(key: RandomKey, config: Conv2dConfig, options?: InitOptions): Conv2dParams {
  return initFromSpecs(key, conv2dSpecs(config), options);
}
