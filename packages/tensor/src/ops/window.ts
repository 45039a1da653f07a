/**
 * The sliding-window ops: unfold (im2col) and fold (col2im), with their VJPs (each other). Their kernels are in
 * backend/cpu/window.ts and backend/webgpu/kernels/window.ts; conv2d and the pools (ops/conv.ts) build on them.
 */
import type { KernelAttrs, Window2d } from "../backend/backend.js";
import { fmt, windowOutSize } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { runKernel, type KernelOpDef } from "./registry.js";

/** A size given once for both spatial dims or as [height, width]. */
export type Size2 = number | readonly [number, number];

export const pair = (v: Size2): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

export function windowAttrs(op: string, kernel: Size2, stride: Size2, padding: Size2, dilation: Size2): Window2d {
  const w: Window2d = { kernel: pair(kernel), stride: pair(stride), padding: pair(padding), dilation: pair(dilation) };
  for (const [name, v, min] of [["kernel", w.kernel, 1], ["stride", w.stride, 1], ["padding", w.padding, 0], ["dilation", w.dilation, 1]] as const) {
    if (!v.every((x) => Number.isInteger(x) && x >= min)) throw new Error(`${op}: ${name} must be integers >= ${min}, got [${v.join(",")}]`);
  }
  return w;
}

export function outSize(op: string, x: Tensor, w: Window2d): [number, number] {
  const oh = windowOutSize(x.shape[2]!, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]);
  const ow = windowOutSize(x.shape[3]!, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
  if (oh <= 0 || ow <= 0) throw new Error(`${op}: input ${fmt(x.shape)} is smaller than the (dilated) kernel [${w.kernel.join(",")}] after padding`);
  return [oh, ow];
}

/** Options of a sliding window op. */
export interface WindowOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zero padding on each side (default 0). */
  padding?: Size2;
  /** Spacing between window taps (default 1). */
  dilation?: Size2;
}

/** im2col (torch.nn.functional.unfold): [N, C, H, W] -> [N, C*kh*kw, L]. */
export function unfold(x: Tensor, kernel: Size2, options: WindowOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`unfold: expected [N, C, H, W], got ${fmt(x.shape)}`);
  return runKernel("unfold", [x], windowAttrs("unfold", kernel, options.stride ?? 1, options.padding ?? 0, options.dilation ?? 1));
}

/** col2im (torch.nn.functional.fold): [N, C*kh*kw, L] -> [N, C, H, W] summing overlaps. */
export function fold(cols: Tensor, outputSize: Size2, kernel: Size2, options: WindowOptions = {}): Tensor {
  if (cols.rank !== 3) throw new Error(`fold: expected [N, C*kh*kw, L], got ${fmt(cols.shape)}`);
  return runKernel("fold", [cols], { ...windowAttrs("fold", kernel, options.stride ?? 1, options.padding ?? 0, options.dilation ?? 1), outputSize: pair(outputSize) });
}

/** Registry entries of the window kernels. */
export const windowDefs: { [K in "unfold" | "fold"]: KernelOpDef<KernelAttrs[K]> } = {
  unfold: {
    infer: ([x], w) => {
      if (x!.rank !== 4) throw new Error(`unfold: expected [N, C, H, W], got ${fmt(x!.shape)}`);
      const [oh, ow] = outSize("unfold", x!, w);
      return { shape: [x!.shape[0]!, x!.shape[1]! * w.kernel[0] * w.kernel[1], oh * ow], dtype: x!.dtype };
    },
    vjp: (g, { inputs: [x], attrs }) => [runKernel("fold", [g], { ...attrs, outputSize: [x!.shape[2]!, x!.shape[3]!] })],
  },
  fold: {
    infer: ([c], a) => {
      const [kh, kw] = a.kernel;
      const [H, W] = a.outputSize;
      const oh = windowOutSize(H, kh, a.stride[0], a.padding[0], a.dilation[0]);
      const ow = windowOutSize(W, kw, a.stride[1], a.padding[1], a.dilation[1]);
      if (c!.rank !== 3 || c!.shape[1]! % (kh * kw) !== 0 || c!.shape[2] !== oh * ow) {
        throw new Error(`fold: input ${fmt(c!.shape)} does not match kernel [${kh},${kw}] and output size [${H},${W}] (expected L = ${oh * ow})`);
      }
      return { shape: [c!.shape[0]!, c!.shape[1]! / (kh * kw), H, W], dtype: c!.dtype };
    },
    vjp: (g, { attrs }) => [runKernel("unfold", [g], { kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation })],
  },
};
