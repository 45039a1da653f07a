import type { KernelAttrs, OutputInfo, TensorView, Window2d } from "../backend.js";
import { allocOutput } from "./host-pool.js";
import { isContiguous, windowOutSize } from "../../shape.js";
import { foldKernel } from "./window.js";
import { CpuStorage, dataOf } from "./storage.js";
import { copyStridedF32, fillZeroF32 } from "./wasm/copy.js";
import { kernelRuntime } from "./wasm/runtime.js";

/**
 * unfold (im2col) and fold (col2im) without per-element branches: for each kernel tap the output columns
 * whose input column lies inside the image form one range, so every (tap, output row) is a plain strided
 * copy (unfold) or accumulation (fold) over that range.
 */

interface Axis {
  /** Output size along the axis. */
  out: number;
  /** Per kernel tap: first valid output index, end of the valid range, input index at the first one. */
  lo: Int32Array;
  hi: Int32Array;
  start: Int32Array;
  /** Window stride. */
  step: number;
}

function axis(size: number, k: number, s: number, p: number, d: number): Axis {
  const out = windowOutSize(size, k, s, p, d);
  const lo = new Int32Array(k), hi = new Int32Array(k), start = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    const shift = t * d - p; // input index of output 0 at tap t
    const a = Math.max(0, Math.ceil(-shift / s));
    const b = Math.max(a, Math.min(out, Math.floor((size - 1 - shift) / s) + 1));
    lo[t] = a;
    hi[t] = b;
    start[t] = a * s + shift;
  }
  return { out, lo, hi, start, step: s };
}

function axes(h: number, w: number, win: Window2d): [Axis, Axis] {
  return [axis(h, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]), axis(w, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1])];
}

/**
 * im2col of resident float32 on the WebAssembly strided-copy kernel (both threads): per kernel tap, one 4-d
 * copy [N, C, valid rows, valid columns] (the source's innermost stride is the window stride), two zero fills
 * for the padding rows, and the padding columns filled here. False when the kernel cannot take it (the caller then writes everything).
 */
function simdUnfold(x: TensorView, res: Float32Array, kernel: readonly [number, number], rows: Axis, cols: Axis): boolean {
  const src = dataOf(x) as Float32Array;
  const [N, C] = x.shape as [number, number];
  const [sn, sc, sh, sw] = x.strides as [number, number, number, number];
  const [kh, kw] = kernel;
  const oh = rows.out, ow = cols.out, L = oh * ow;
  const outer = [C * kh * kw * L, kh * kw * L];
  for (let ki = 0; ki < kh; ki++)
    for (let kj = 0; kj < kw; kj++) {
      const p = (ki * kw + kj) * L;
      const jlo = cols.lo[kj]!, jhi = cols.hi[kj]!;
      const ilo = jhi === jlo ? oh : rows.lo[ki]!, ihi = jhi === jlo ? oh : rows.hi[ki]!;
      const zero = (offset: number, shape: number[], strides: number[]): boolean => fillZeroF32({ data: res, offset, strides: [...outer, ...strides] }, [N, C, ...shape]);
      // the padding columns of valid rows are a few floats per row: filled here, not by the kernel
      if (jlo > 0 || jhi < ow)
        for (let i = 0; i < N * C; i++)
          for (let r = ilo, at = Math.floor(i / C) * outer[0]! + (i % C) * outer[1]! + p + ilo * ow; r < ihi; r++, at += ow) {
            res.fill(0, at, at + jlo);
            res.fill(0, at + jhi, at + ow);
          }
      const ok =
        zero(p, [ilo * ow], [1]) &&
        zero(p + ihi * ow, [(oh - ihi) * ow], [1]) &&
        (ihi === ilo ||
          copyStridedF32(
            { data: src, offset: x.offset + rows.start[ki]! * sh + cols.start[kj]! * sw, strides: [sn, sc, rows.step * sh, cols.step * sw] },
            { data: res, offset: p + ilo * ow + jlo, strides: [...outer, ow, 1] },
            [N, C, ihi - ilo, jhi - jlo],
          ));
      if (!ok) return false;
    }
  return true;
}

/** im2col: [N, C, H, W] (any strides) -> [N, C*kh*kw, oh*ow]. */
export function fastUnfoldKernel(inputs: readonly TensorView[], attrs: KernelAttrs["unfold"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [rows, cols] = axes(H, W, attrs);
  const [kh, kw] = attrs.kernel;
  const src = dataOf(x);
  const [sn, sc, sh, sw] = x.strides as [number, number, number, number];
  const L = rows.out * cols.out, ow = cols.out;
  // every element is written (zeros in the padding), so a recycled array needs no clearing
  const res = allocOutput(out.dtype, N * C * kh * kw * L, false);
  const rt = kernelRuntime();
  if (out.dtype === "float32" && rt?.addressOf(src as Float32Array) !== undefined && rt.addressOf(res as Float32Array) !== undefined) {
    if (simdUnfold(x, res as Float32Array, attrs.kernel, rows, cols)) return new CpuStorage(res);
  }
  const colStep = cols.step * sw;
  let p = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = x.offset + n * sn + c * sc;
      for (let ki = 0; ki < kh; ki++)
        for (let kj = 0; kj < kw; kj++, p += L) {
          const jlo = cols.lo[kj]!, jhi = cols.hi[kj]!;
          const ilo = jhi === jlo ? rows.out : rows.lo[ki]!, ihi = jhi === jlo ? rows.out : rows.hi[ki]!;
          if (ilo > 0) res.fill(0, p, p + ilo * ow);
          if (ihi < rows.out) res.fill(0, p + ihi * ow, p + L);
          const colBase = base + cols.start[kj]! * sw;
          for (let oi = ilo, r = rows.start[ki]!; oi < ihi; oi++, r += rows.step) {
            const s0 = colBase + r * sh;
            const d0 = p + oi * ow;
            for (let j = 0; j < jlo; j++) res[d0 + j] = 0;
            if (colStep === 1) for (let j = jlo; j < jhi; j++) res[d0 + j] = src[s0 + j - jlo]!;
            else for (let j = jlo, s = s0; j < jhi; j++, s += colStep) res[d0 + j] = src[s]!;
            for (let j = jhi; j < ow; j++) res[d0 + j] = 0;
          }
        }
    }
  return new CpuStorage(res);
}

/**
 * col2im: [N, C*kh*kw, L] -> [N, C, H, W] summing overlapping taps, for contiguous columns; accumulates in
 * the output dtype (taps of one pixel are added in the same order as the reference). Other layouts use the
 * reference kernel.
 */
export function fastFoldKernel(inputs: readonly TensorView[], attrs: KernelAttrs["fold"], out: OutputInfo): CpuStorage {
  const cols = inputs[0]!;
  if (!isContiguous(cols.shape, cols.strides) || (out.dtype !== "float32" && out.dtype !== "float64")) return foldKernel(inputs, attrs, out);
  const [N, C, H, W] = out.shape as [number, number, number, number];
  const [rows, cs] = axes(H, W, attrs);
  const [kh, kw] = attrs.kernel;
  const src = dataOf(cols);
  const L = rows.out * cs.out, ow = cs.out;
  const acc = allocOutput(out.dtype, N * C * H * W, true);
  const step = cs.step;
  let p = cols.offset;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * H * W;
      for (let ki = 0; ki < kh; ki++)
        for (let kj = 0; kj < kw; kj++, p += L) {
          const jlo = cs.lo[kj]!, jhi = cs.hi[kj]!;
          if (jhi === jlo) continue;
          const colBase = base + cs.start[kj]!;
          for (let oi = rows.lo[ki]!, r = rows.start[ki]!; oi < rows.hi[ki]!; oi++, r += rows.step) {
            const d0 = colBase + r * W;
            const s0 = p + oi * ow;
            if (step === 1) for (let j = jlo; j < jhi; j++) acc[d0 + j - jlo] += src[s0 + j]!;
            else for (let j = jlo, d = d0; j < jhi; j++, d += step) acc[d] += src[s0 + j]!;
          }
        }
    }
  return new CpuStorage(acc);
}
