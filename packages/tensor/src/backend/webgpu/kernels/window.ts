import type { OutputInfo, TensorView, Window2d } from "../../backend.js";
import type { GpuContext } from "../context.js";
import { wgslComputeType } from "../dtypes.js";
import type { WebGPUStorage } from "../storage.js";
import { mapKernel } from "./map.js";

/** Output positions of a sliding window along one dimension of size `size`. */
function positions(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** Window attributes as uniform words: kh, kw, sh, sw, ph, pw, dh, dw. */
function windowWords(w: Window2d): number[] {
  return [w.kernel[0], w.kernel[1], w.stride[0], w.stride[1], w.padding[0], w.padding[1], w.dilation[0], w.dilation[1]];
}

const WINDOW_LETS = `let kh = i32(s0); let kw = i32(s1); let sh = i32(s2); let sw = i32(s3);
  let ph = i32(s4); let pw = i32(s5); let dh = i32(s6); let dw = i32(s7);`;

/**
 * im2col: [N, C, H, W] -> [N, C*kh*kw, L] with row c*kh*kw + i*kw + j and column oy*ow + ox (as
 * torch.nn.functional.unfold); padding reads zero. One thread per output element, input read in place.
 */
export function unfold(ctx: GpuContext, x: TensorView, w: Window2d, out: OutputInfo): WebGPUStorage {
  const [, , H, W] = x.shape as [number, number, number, number];
  const ow = positions(W, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
  const T = wgslComputeType(out.dtype);
  return mapKernel(ctx, {
    op: "unfold",
    key: "unfold",
    T,
    inputs: [{ view: x, strides: [x.strides[0]!, 0, 0], as: T, raw: true }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    keepRank: true,
    scalars: [...windowWords(w), H, W, ow, x.strides[1]! >>> 0, x.strides[2]! >>> 0, x.strides[3]! >>> 0],
    body: `${WINDOW_LETS}
  let H = i32(s8); let W = i32(s9); let ow = i32(s10);
  let sC = bitcast<i32>(s11); let sH = bitcast<i32>(s12); let sW = bitcast<i32>(s13);
  let ck = i32(c1);
  let ch = ck / (kh * kw);
  let ki = (ck / kw) % kh;
  let kj = ck % kw;
  let oy = i32(c2) / ow;
  let ox = i32(c2) % ow;
  let y = oy * sh - ph + ki * dh;
  let xx = ox * sw - pw + kj * dw;
  var r = T(0);
  if (y >= 0 && y < H && xx >= 0 && xx < W) { r = ld0(u32(i32(p0) + ch * sC + y * sH + xx * sW)); }`,
  });
}

/**
 * col2im, the adjoint of unfold: [N, C*kh*kw, L] -> [N, C, H, W] summing overlapping entries. Each output
 * element gathers the window entries that cover it (no atomics, deterministic).
 */
export function fold(ctx: GpuContext, cols: TensorView, w: Window2d & { readonly outputSize: readonly [number, number] }, out: OutputInfo): WebGPUStorage {
  const [H, W] = w.outputSize;
  const oh = positions(H, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]);
  const ow = positions(W, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
  const T = wgslComputeType(out.dtype);
  return mapKernel(ctx, {
    op: "fold",
    key: "fold",
    T,
    inputs: [{ view: cols, strides: [cols.strides[0]!, 0, 0, 0], as: T, raw: true }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    keepRank: true,
    scalars: [...windowWords(w), oh, ow, cols.strides[1]! >>> 0, cols.strides[2]! >>> 0],
    body: `${WINDOW_LETS}
  let oh = i32(s8); let ow = i32(s9);
  let sCK = bitcast<i32>(s10); let sL = bitcast<i32>(s11);
  var r = T(0);
  for (var ki = 0; ki < kh; ki = ki + 1) {
    let ty = i32(c2) + ph - ki * dh;
    if (ty < 0 || ty % sh != 0 || ty / sh >= oh) { continue; }
    let oy = ty / sh;
    for (var kj = 0; kj < kw; kj = kj + 1) {
      let tx = i32(c3) + pw - kj * dw;
      if (tx < 0 || tx % sw != 0 || tx / sw >= ow) { continue; }
      let ox = tx / sw;
      let row = (i32(c1) * kh + ki) * kw + kj;
      r = r + ld0(u32(i32(p0) + row * sCK + (oy * ow + ox) * sL));
    }
  }`,
  });
}
