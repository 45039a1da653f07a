/**
 * conv2d (kernel "conv2d"; kernels in backend/cpu/conv.ts and backend/webgpu/kernels/conv.ts), average pooling and
 * interpolation. The window ops unfold and fold are defined in window.ts and re-exported here.
 */
import type { KernelAttrs, Window2d } from "../backend/backend.js";
import { isFloat, promoteTypes } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { fmt } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { full, tensor } from "./creation.js";
import { add, div, mul, sub } from "./elementwise.js";
import { indexSelect } from "./indexing.js";
import { matmul } from "./matmul.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { mean, sum } from "./reduce.js";
import { flip, permute, reshape, transpose } from "./shape.js";
import { castOperand, castTo, mixedOperandDType } from "./util.js";
import { outSize, pair, windowAttrs, type Size2, type WindowOptions } from "./window.js";

export { unfold, fold, windowDefs, type Size2, type WindowOptions } from "./window.js";

/** Options of conv2d. */
export interface Conv2dOptions extends Omit<WindowOptions, "padding"> {
  /** Padding, or "same"/"valid" as torch accepts ("same" needs stride 1). */
  padding?: Size2 | "same" | "valid";
  /** Number of channel groups; divides the input and output channels (default 1). */
  groups?: number;
}

/**
 * 2-D convolution (cross-correlation, as torch.nn.functional.conv2d): x [N, C, H, W], weight [O, C/groups, kh, kw],
 * bias [O]. Computed as im2col + matmul, so its gradients (and their gradients) come from those ops.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`conv2d: input must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (weight.rank !== 4) throw new Error(`conv2d: weight must be [O, C/groups, kh, kw], got ${fmt(weight.shape)}`);
  const groups = options.groups ?? 1;
  const [N, C] = x.shape as [number, number];
  const [O, Cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || O % groups !== 0) {
    throw new Error(`conv2d: groups ${groups} must divide input channels ${C} and output channels ${O}`);
  }
  if (Cg * groups !== C) throw new Error(`conv2d: weight ${fmt(weight.shape)} expects ${Cg * groups} input channels, input ${fmt(x.shape)} has ${C}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) throw new Error(`conv2d: bias must be [${O}], got ${fmt(bias.shape)}`);
  const dilation = pair(options.dilation ?? 1);
  let padding: Size2;
  if (options.padding === "valid" || options.padding === undefined) padding = 0;
  else if (options.padding === "same") {
    if (pair(options.stride ?? 1).some((s) => s !== 1)) throw new Error("conv2d: padding 'same' requires stride 1");
    const total = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)];
    if (total.some((t) => t % 2 !== 0)) throw new Error("conv2d: padding 'same' with an even effective kernel is not supported");
    padding = [total[0]! / 2, total[1]! / 2];
  } else padding = options.padding;
  const w = windowAttrs("conv2d", [kh, kw], options.stride ?? 1, padding, dilation);
  outSize("conv2d", x, w);
  const dt = promoteTypes(x.dtype, weight.dtype);
  if (dt === "bool") throw new Error("conv2d: not defined for bool tensors");
  return tidy(() => {
    const y = runKernel("conv2d", [castOperand(x, dt), castOperand(weight, dt)], { ...w, groups });
    return bias ? add(y, reshape(bias, [1, O, 1, 1])) : y;
  });
}

/** Input gradient of conv2d (a conv2d of g with the flipped, transposed kernel where the window allows it). */
function conv2dInputGrad(g: Tensor, x: Tensor, w: Tensor, a: KernelAttrs["conv2d"]): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const unit = a.stride[0] === 1 && a.stride[1] === 1 && a.dilation[0] === 1 && a.dilation[1] === 1;
  if (a.groups === 1 && unit && a.padding[0] <= kh - 1 && a.padding[1] <= kw - 1) {
    // dx[n, c] = sum_o g[n, o] (full correlation with) w[o, c] flipped: stride 1 keeps it a conv2d (Winograd on the CPU)
    const wt = permute(flip(w, [2, 3]), [1, 0, 2, 3]);
    return runKernel("conv2d", [g, wt], { kernel: [kh, kw], stride: [1, 1], padding: [kh - 1 - a.padding[0], kw - 1 - a.padding[1]], dilation: [1, 1], groups: 1 });
  }
  const G = a.groups, K = Cg * kh * kw, L = g.shape[2]! * g.shape[3]!;
  const window: Window2d = { kernel: a.kernel, stride: a.stride, padding: a.padding, dilation: a.dilation };
  const cols = matmul(transpose(reshape(w, [G, O / G, K])), reshape(g, [N, G, O / G, L])); // [N, G, K, L]
  return runKernel("fold", [reshape(cols, [N, C * kh * kw, L])], { ...window, outputSize: [H, W] });
}

/** Weight gradient of conv2d: sum over the batch of g @ unfold(x)^T, per group. */
function conv2dWeightGrad(g: Tensor, x: Tensor, w: Tensor, a: KernelAttrs["conv2d"]): Tensor {
  const N = x.shape[0]!;
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const G = a.groups, K = Cg * kh * kw, L = g.shape[2]! * g.shape[3]!;
  const window: Window2d = { kernel: a.kernel, stride: a.stride, padding: a.padding, dilation: a.dilation };
  const cols = runKernel("unfold", [x], window); // [N, C*kh*kw, L]
  const dw = G === 1 ? matmul(reshape(g, [N, O, L]), transpose(cols)) : matmul(reshape(g, [N, G, O / G, L]), transpose(reshape(cols, [N, G, K, L])));
  return reshape(sum(dw, 0), [O, Cg, kh, kw]);
}

/** Options of average pooling. */
export interface AvgPoolOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Zero padding on each side (default 0). */
  padding?: Size2;
  /** Count padded zeros in the average (torch's default true). */
  countIncludePad?: boolean;
}

/** 2-D average pooling over [N, C, H, W]; stride defaults to the kernel size. */
export function avgPool2d(x: Tensor, kernel: Size2, options: AvgPoolOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`avgPool2d: expected [N, C, H, W], got ${fmt(x.shape)}`);
  const w = windowAttrs("avgPool2d", kernel, options.stride ?? kernel, options.padding ?? 0, 1);
  if (w.padding[0] * 2 > w.kernel[0] || w.padding[1] * 2 > w.kernel[1]) {
    throw new Error(`avgPool2d: padding [${w.padding.join(",")}] must be at most half the kernel size [${w.kernel.join(",")}]`);
  }
  const [oh, ow] = outSize("avgPool2d", x, w);
  const [N, C] = x.shape as [number, number];
  return tidy(() => {
    const cols = reshape(runKernel("unfold", [x], w), [N, C, w.kernel[0] * w.kernel[1], oh * ow]);
    if (options.countIncludePad ?? true) return reshape(mean(cols, 2), [N, C, oh, ow]);
    const ones = full([1, 1, x.shape[2]!, x.shape[3]!], 1, { dtype: x.dtype, device: x.device });
    const count = sum(reshape(runKernel("unfold", [ones], w), [1, 1, w.kernel[0] * w.kernel[1], oh * ow]), 2);
    return reshape(div(sum(cols, 2), count), [N, C, oh, ow]);
  });
}

/** 1-D average pooling over [N, C, L]; stride defaults to the kernel size. */
export function avgPool1d(x: Tensor, kernel: number, options: { stride?: number; padding?: number; countIncludePad?: boolean } = {}): Tensor {
  if (x.rank !== 3) throw new Error(`avgPool1d: expected [N, C, L], got ${fmt(x.shape)}`);
  return tidy(() => {
    const y = avgPool2d(reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]), [1, kernel], {
      stride: [1, options.stride ?? kernel],
      padding: [0, options.padding ?? 0],
      countIncludePad: options.countIncludePad,
    });
    return reshape(y, [x.shape[0]!, x.shape[1]!, y.shape[3]!]);
  });
}

/** Options of interpolate: give `size` or `scaleFactor`. */
export interface InterpolateOptions {
  /** Output size [H, W]; takes precedence over `scaleFactor`. */
  size?: Size2;
  /** Scale of the output size (floored), per axis or one for both. */
  scaleFactor?: number | readonly [number, number];
  /** Sampling (default "nearest"). */
  mode?: "nearest" | "bilinear";
  /** bilinear only: torch's align_corners (default false). */
  alignCorners?: boolean;
}

/** Resizes [N, C, H, W] with nearest or bilinear sampling, with torch.nn.functional.interpolate's coordinates. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  if (x.rank !== 4) throw new Error(`interpolate: expected [N, C, H, W], got ${fmt(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`interpolate: expected a float tensor, got ${x.dtype}`);
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  let size: [number, number];
  let scale: [number, number];
  if (options.size !== undefined) {
    size = pair(options.size);
    scale = [H / size[0], W / size[1]];
  } else if (options.scaleFactor !== undefined) {
    const f = typeof options.scaleFactor === "number" ? [options.scaleFactor, options.scaleFactor] : options.scaleFactor;
    size = [Math.floor(H * f[0]!), Math.floor(W * f[1]!)];
    scale = [1 / f[0]!, 1 / f[1]!];
  } else throw new Error("interpolate: give size or scaleFactor");
  if (!size.every((s) => Number.isInteger(s) && s > 0)) throw new Error(`interpolate: output size [${size.join(",")}] must be positive integers`);
  const mode = options.mode ?? "nearest";
  return tidy(() => {
    if (mode === "nearest") {
      // source index floor(i * scale), computed on the host (float64 tensors do not exist on every device)
      const nearest = (n: number, s: number, inSize: number) =>
        tensor(Int32Array.from({ length: n }, (_, i) => Math.min(Math.floor(i * s), inSize - 1)), { device: x.device });
      return indexSelect(indexSelect(x, 2, nearest(size[0], scale[0], H)), 3, nearest(size[1], scale[1], W));
    }
    const along = (t: Tensor, axis: 2 | 3, inSize: number, outSz: number, s: number): Tensor => {
      const src: number[] = [];
      for (let i = 0; i < outSz; i++) {
        const v = options.alignCorners ? (outSz > 1 ? (i * (inSize - 1)) / (outSz - 1) : 0) : Math.max((i + 0.5) * s - 0.5, 0);
        src.push(v);
      }
      const i0 = src.map((v) => Math.min(Math.floor(v), inSize - 1));
      const i1 = i0.map((v) => Math.min(v + 1, inSize - 1));
      const lam = src.map((v, i) => v - i0[i]!);
      const shape = axis === 2 ? [1, 1, outSz, 1] : [1, 1, 1, outSz];
      const weights = reshape(tensor(lam, { dtype: t.dtype, device: t.device }), shape);
      const a = indexSelect(t, axis, tensor(i0, { dtype: "int32", device: t.device }));
      const b = indexSelect(t, axis, tensor(i1, { dtype: "int32", device: t.device }));
      return add(a, mul(sub(b, a), weights));
    };
    return along(along(x, 2, H, size[0], scale[0]), 3, W, size[1], scale[1]);
  });
}

/** Registry entry of the conv2d kernel. */
export const convDefs: {
  /** Shape/dtype rule and VJP of the direct 2-d convolution kernel. */
  conv2d: KernelOpDef<KernelAttrs["conv2d"]>;
} = {
  conv2d: {
    infer: ([x, w], a) => {
      if (x!.rank !== 4 || w!.rank !== 4 || w!.shape[2] !== a.kernel[0] || w!.shape[3] !== a.kernel[1]) {
        throw new Error(`conv2d: kernel operands ${fmt(x!.shape)} and ${fmt(w!.shape)} do not match kernel [${a.kernel.join(",")}]`);
      }
      const [N, C] = x!.shape as [number, number];
      const [O, Cg] = w!.shape as [number, number];
      if (!Number.isInteger(a.groups) || a.groups < 1 || Cg * a.groups !== C || O % a.groups !== 0) {
        throw new Error(`conv2d: weight ${fmt(w!.shape)} with ${a.groups} groups does not match input ${fmt(x!.shape)}`);
      }
      const dtype = mixedOperandDType("conv2d", x!.dtype, w!.dtype);
      const [oh, ow] = outSize("conv2d", x!, a);
      return { shape: [N, O, oh, ow], dtype };
    },
    // with a float16 operand (mixed precision) each gradient is computed in float32 and given its operand's dtype
    vjp: (g, { inputs: [x, w], attrs, needsGrad }) => [
      needsGrad[0] ? castTo(conv2dInputGrad(g, x!, w!, attrs), x!.dtype) : null,
      needsGrad[1] ? castTo(conv2dWeightGrad(g, x!, w!, attrs), w!.dtype) : null,
    ],
  },
};
