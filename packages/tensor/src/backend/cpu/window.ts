import type { KernelAttrs, OutputInfo, TensorView, Window2d } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { isContiguous, windowOutSize } from "../../shape.js";
import { offsetsOf, CpuStorage, dataOf } from "./storage.js";


/** For each (kernel tap, output position): the input index along one dim, or -1 when in the padding. */
function tapIndex(size: number, outSize: number, k: number, s: number, p: number, d: number): Int32Array {
  const idx = new Int32Array(k * outSize);
  for (let t = 0; t < k; t++)
    for (let o = 0; o < outSize; o++) {
      const i = o * s - p + t * d;
      idx[t * outSize + o] = i >= 0 && i < size ? i : -1;
    }
  return idx;
}

function geometry(h: number, w: number, win: Window2d) {
  const [kh, kw] = win.kernel, [sh, sw] = win.stride, [ph, pw] = win.padding, [dh, dw] = win.dilation;
  const oh = windowOutSize(h, kh, sh, ph, dh), ow = windowOutSize(w, kw, sw, pw, dw);
  return { kh, kw, oh, ow, rows: tapIndex(h, oh, kh, sh, ph, dh), cols: tapIndex(w, ow, kw, sw, pw, dw) };
}

type Geometry = ReturnType<typeof geometry>;

/**
 * Walks the columns of unfold's [N, C*kh*kw, oh*ow] output in order (index `p`), calling `visit` for every tap
 * inside the image with its batch entry, channel, and input row and column.
 */
function forEachTap(N: number, C: number, g: Geometry, visit: (n: number, c: number, row: number, col: number, p: number) => void): void {
  let p = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let ki = 0; ki < g.kh; ki++)
        for (let kj = 0; kj < g.kw; kj++)
          for (let oi = 0; oi < g.oh; oi++) {
            const r = g.rows[ki * g.oh + oi]!;
            for (let oj = 0; oj < g.ow; oj++, p++) {
              const c2 = g.cols[kj * g.ow + oj]!;
              if (r >= 0 && c2 >= 0) visit(n, c, r, c2, p);
            }
          }
}

/** im2col: [N, C, H, W] -> [N, C*kh*kw, oh*ow], channel-major then kernel row, kernel column (as torch). */
export function unfoldKernel(inputs: readonly TensorView[], attrs: KernelAttrs["unfold"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const g = geometry(H, W, attrs);
  const src = dataOf(x);
  const [sn, sc, sh, sw] = x.strides as [number, number, number, number];
  const L = g.oh * g.ow;
  const res = allocHost(out.dtype, N * C * g.kh * g.kw * L);
  forEachTap(N, C, g, (n, c, r, c2, p) => {
    res[p] = src[x.offset + n * sn + c * sc + r * sh + c2 * sw]!;
  });
  return new CpuStorage(res);
}

/** col2im, the adjoint of unfold: overlapping taps are summed. */
export function foldKernel(inputs: readonly TensorView[], attrs: KernelAttrs["fold"], out: OutputInfo): CpuStorage {
  const cols = inputs[0]!;
  const [N, C, H, W] = out.shape as [number, number, number, number];
  const g = geometry(H, W, attrs);
  const src = dataOf(cols);
  // contiguous columns (the usual case: a matmul's gradient) are read in order without an offset table
  const offs = isContiguous(cols.shape, cols.strides) ? null : offsetsOf(cols.shape, cols.strides, cols.offset);
  const base0 = cols.offset;
  const acc = new Float64Array(N * C * H * W);
  forEachTap(N, C, g, (n, c, r, c2, p) => {
    acc[((n * C + c) * H + r) * W + c2] += src[offs === null ? base0 + p : offs[p]!]!;
  });
  const res = allocHost(out.dtype, acc.length);
  res.set(acc);
  return new CpuStorage(res);
}
