/**
 * Winograd F(2x2, 3x3) convolution for stride-1, undilated 3x3 kernels (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2015): each 2x2 output tile is A^T [(G g G^T) * (B^T d B)] A over the 4x4
 * input patch d, so the 16 element-wise products summed over channels become 16 GEMMs
 * M[xi] = U[xi] (O x C) @ V[xi] (C x tiles), 2.25x fewer multiplications than the direct (im2col) form.
 * The transforms only add and subtract (the weight transform halves, exactly), so the result differs from
 * im2col + GEMM by a few float32 roundings.
 */
import { matmulF32 } from "./matmul.js";
import { allocF32, freeF32 } from "./info.js";
import { splitRows } from "./partition.js";
import { kernelRuntime, type KernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";
import { copyStridedF32, fillZeroF32 } from "./copy.js";

/** A float32 [N, C, H, W] view (any strides, in elements). */
interface ConvInputF32 {
  data: Float32Array;
  offset: number;
  shape: readonly [number, number, number, number];
  strides: readonly [number, number, number, number];
}

/** A float32 3x3 weight view [O, C, 3, 3] (any strides, in elements). */
interface ConvWeightF32 {
  data: Float32Array;
  offset: number;
  shape: readonly [number, number, number, number];
  strides: readonly [number, number, number, number];
}

/** Elements of the Winograd-domain weights of an [O, C, 3, 3] kernel: U[16][O][C]. */
export function winogradWeightSize(o: number, c: number): number {
  return 16 * o * c;
}

/**
 * U[xi][o][c] = (G g G^T)[xi] for every [3, 3] slice g = w[o, c], computed in float64 and rounded once.
 * Writes into `out` (16 * O * C elements, for example an `allocF32` array) and returns it.
 */
export function winogradWeightsF32(w: ConvWeightF32, out: Float32Array = new Float32Array(winogradWeightSize(w.shape[0], w.shape[1]))): Float32Array {
  const [O, C, kh, kw] = w.shape;
  if (kh !== 3 || kw !== 3) throw new RangeError(`winogradWeightsF32: kernel must be 3x3, got ${kh}x${kw}`);
  if (out.length < 16 * O * C) throw new RangeError(`winogradWeightsF32: output of ${out.length} elements is smaller than ${16 * O * C}`);
  const [so, sc, sh, sw] = w.strides;
  const src = w.data;
  const OC = O * C;
  const gg = new Float64Array(12); // G g: 4 x 3
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++) {
      const b = w.offset + o * so + c * sc;
      for (let j = 0; j < 3; j++) {
        const g0 = src[b + j * sw]!, g1 = src[b + sh + j * sw]!, g2 = src[b + 2 * sh + j * sw]!;
        gg[j] = g0;
        gg[3 + j] = (g0 + g1 + g2) * 0.5;
        gg[6 + j] = (g0 - g1 + g2) * 0.5;
        gg[9 + j] = g2;
      }
      const at = o * C + c;
      for (let i = 0; i < 4; i++) {
        const g0 = gg[3 * i]!, g1 = gg[3 * i + 1]!, g2 = gg[3 * i + 2]!;
        out[(4 * i) * OC + at] = g0;
        out[(4 * i + 1) * OC + at] = (g0 + g1 + g2) * 0.5;
        out[(4 * i + 2) * OC + at] = (g0 - g1 + g2) * 0.5;
        out[(4 * i + 3) * OC + at] = g2;
      }
    }
  return out;
}

/** Options of `conv3x3WinogradF32`. */
interface WinogradOptions {
  /** Zero padding [top/bottom, left/right]. */
  padding: readonly [number, number];
  /** Threads for the transforms and GEMMs (default: `getCpuThreads()`). */
  threads?: number;
  /**
   * Run the transforms as WebAssembly SIMD tasks (default: where the kernel memory is shared); false uses
   * the plain JavaScript transforms (which add in float64 and round once: the last bit may differ).
   */
  simd?: boolean;
  /** Budget of the temporary buffers (default `WINOGRAD_CHUNK_BYTES`); the batch is split by images to fit. */
  chunkBytes?: number;
}

/** Output size and tiling of a Winograd convolution. */
function winogradTiles(h: number, w: number, padding: readonly [number, number]): { oh: number; ow: number; th: number; tw: number } {
  const oh = h + 2 * padding[0] - 2, ow = w + 2 * padding[1] - 2;
  return { oh, ow, th: Math.ceil(oh / 2), tw: Math.ceil(ow / 2) };
}

/**
 * y[n, o] = sum_c x[n, c] (cross-correlated with) w[o, c] for 3x3 kernels, stride 1, the given zero padding,
 * from the Winograd-domain weights `u` (`winogradWeightsF32`, O x C of them). Writes the contiguous
 * [N, O, oh, ow] result into `out` from index 0.
 */
export function conv3x3WinogradF32(x: ConvInputF32, u: Float32Array, o: number, out: Float32Array, opts: WinogradOptions): void {
  const [N, C, H, W] = x.shape;
  const { oh, ow, th, tw } = winogradTiles(H, W, opts.padding);
  if (oh <= 0 || ow <= 0) throw new RangeError(`conv3x3WinogradF32: input [${x.shape.join(",")}] is smaller than the 3x3 kernel after padding`);
  if (u.length < 16 * o * C) throw new RangeError(`conv3x3WinogradF32: weights of ${u.length} elements, need ${16 * o * C}`);
  if (out.length < N * o * oh * ow) throw new RangeError(`conv3x3WinogradF32: output of ${out.length} elements, need ${N * o * oh * ow}`);
  if (N * th * tw === 0 || o === 0) return;
  if (C === 0) {
    out.fill(0, 0, N * o * oh * ow);
    return;
  }
  // images in chunks, so the transformed buffers stay within WINOGRAD_CHUNK_BYTES (at least one image)
  const perImage = winogradImageBytes(C, o, H, W, opts.padding);
  const chunk = Math.max(1, Math.min(N, Math.floor((opts.chunkBytes ?? WINOGRAD_CHUNK_BYTES) / perImage)));
  const rt = kernelRuntime();
  const simd = rt?.shared === true && opts.simd !== false;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n = Math.min(chunk, N - n0);
    const part: ConvInputF32 = { data: x.data, offset: x.offset + n0 * x.strides[0], shape: [n, C, H, W], strides: x.strides };
    const dst = out.subarray(n0 * o * oh * ow, (n0 + n) * o * oh * ow);
    if (simd) simdPath(rt!, part, u, o, dst, opts);
    else scalarPath(part, u, o, dst, opts);
  }
}

/** Bytes of the transformed buffers a call holds at once, at most (a larger batch is split by images). */
export const WINOGRAD_CHUNK_BYTES = 128 << 20;

/** Bytes of the temporary buffers of one image (padded input, V, M and the padded output). */
export function winogradImageBytes(c: number, o: number, h: number, w: number, padding: readonly [number, number]): number {
  const { th, tw } = winogradTiles(h, w, padding);
  const tw4 = Math.ceil(tw / 4) * 4;
  return 4 * (c * (2 * th + 2) * (2 * tw4 + 2) + 16 * (c + o) * th * tw + o * 4 * th * tw4);
}

/** The transforms in plain JavaScript (hosts without shared WebAssembly memory). */
function scalarPath(x: ConvInputF32, u: Float32Array, o: number, out: Float32Array, opts: WinogradOptions): void {
  const [N, C, H, W] = x.shape;
  const { oh, ow, th, tw } = winogradTiles(H, W, opts.padding);
  const T = N * th * tw;
  const v = allocF32(16 * C * T);
  const m = allocF32(16 * o * T);
  try {
    inputTransform(x, opts.padding, th, tw, v);
    matmulF32(
      { data: u, offset: 0, rowStride: C, colStride: 1, batchStrides: [o * C] },
      { data: v, offset: 0, rowStride: T, colStride: 1, batchStrides: [C * T] },
      m,
      o,
      T,
      C,
      { batchShape: [16], ...(opts.threads !== undefined ? { threads: opts.threads } : {}) },
    );
    outputTransform(m, N, o, oh, ow, th, tw, out);
  } finally {
    freeF32(m);
    freeF32(v);
  }
}

/**
 * The transforms as WebAssembly SIMD tasks on every thread, four tiles per vector: the input is copied once
 * into a zero-padded plane per channel (tile rows padded to a multiple of 4 tiles), and every buffer lives
 * in the kernel memory, so the 16 GEMMs read and write in place.
 */
function simdPath(rt: KernelRuntime, x: ConvInputF32, u: Float32Array, o: number, out: Float32Array, opts: WinogradOptions): void {
  const [N, C, H, W] = x.shape;
  const [sn, sc, sh, sw] = x.strides;
  const [ph, pw] = opts.padding;
  const { oh, ow, th, tw } = winogradTiles(H, W, opts.padding);
  const tw4 = Math.ceil(tw / 4) * 4;
  const Hp = 2 * th + 2, Wp = 2 * tw4 + 2;
  const T = N * th * tw;
  const held: Float32Array[] = [];
  const alloc = (n: number): Float32Array => {
    const a = allocF32(n);
    held.push(a);
    return a;
  };
  try {
    const xp = alloc(N * C * Hp * Wp);
    const v = alloc(16 * C * T);
    const m = alloc(16 * o * T + 4); // the output transform reads up to 3 floats past the end
    const yp = alloc(N * o * 2 * th * 2 * tw4);
    const threads = rt.threads(opts.threads ?? getCpuThreads());
    // the input into zero-padded planes on the copy kernel (both threads), else in JavaScript loops
    if (!fillZeroF32({ data: xp, offset: 0, strides: [1] }, [xp.length], threads)) xp.fill(0);
    const src = x.data;
    const padded = { data: xp, offset: ph * Wp + pw, strides: [C * Hp * Wp, Hp * Wp, Wp, 1] };
    if (!copyStridedF32({ data: src, offset: x.offset, strides: x.strides }, padded, x.shape, threads)) {
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++) {
          const base = x.offset + n * sn + c * sc;
          const plane = (n * C + c) * Hp * Wp + ph * Wp + pw;
          for (let i = 0; i < H; i++) {
            const s = base + i * sh, d = plane + i * Wp;
            if (sw === 1) xp.set(src.subarray(s, s + W), d);
            else for (let j = 0; j < W; j++) xp[d + j] = src[s + j * sw]!;
          }
        }
    }
    const addr = (a: Float32Array): number => rt.addressOf(a)!;
    const perPlane = 64 * th * tw;
    const input = rt.kernel("winogradInput");
    rt.run(
      splitRows(N * C, perPlane, threads).map(([q0, q1]) => ({
        kernel: input,
        args: [addr(xp), addr(v), q0, q1, C, th, tw, Wp, Hp * Wp * 4, T, C * T * 4],
      })),
    );
    matmulF32(
      { data: u, offset: 0, rowStride: C, colStride: 1, batchStrides: [o * C] },
      { data: v, offset: 0, rowStride: T, colStride: 1, batchStrides: [C * T] },
      m,
      o,
      T,
      C,
      { batchShape: [16], threads },
    );
    const output = rt.kernel("winogradOutput");
    rt.run(
      splitRows(N * o, perPlane, threads).map(([q0, q1]) => ({
        kernel: output,
        args: [addr(m), addr(yp), q0, q1, o, th, tw, T, o * T * 4],
      })),
    );
    // crop the tile padding away
    const pw2 = 2 * tw4, pPlane = 2 * th * pw2;
    if (!copyStridedF32({ data: yp, offset: 0, strides: [pPlane, pw2, 1] }, { data: out, offset: 0, strides: [oh * ow, ow, 1] }, [N * o, oh, ow], threads)) {
      for (let q = 0; q < N * o; q++)
        for (let i = 0; i < oh; i++) {
          const s = q * pPlane + i * pw2;
          out.set(yp.subarray(s, s + ow), (q * oh + i) * ow);
        }
    }
  } finally {
    for (const a of held) freeF32(a);
  }
}

/** V[xi][c][t] = (B^T d B)[xi] for every channel c and tile t = (n * th + ty) * tw + tx. */
function inputTransform(x: ConvInputF32, padding: readonly [number, number], th: number, tw: number, v: Float32Array): void {
  const [N, C, H, W] = x.shape;
  const [sn, sc, sh, sw] = x.strides;
  const [ph, pw] = padding;
  const src = x.data;
  // one zero-padded channel plane, so the tile loop needs no bounds checks
  const Hp = 2 * th + 2, Wp = 2 * tw + 2;
  const plane = new Float32Array(Hp * Wp);
  const T = N * th * tw, CT = C * T;
  const rows = Math.min(H, Hp - ph), cols = Math.min(W, Wp - pw);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = x.offset + n * sn + c * sc;
      for (let i = 0; i < rows; i++) {
        const d = (i + ph) * Wp + pw, s = base + i * sh;
        if (sw === 1) plane.set(src.subarray(s, s + cols), d);
        else for (let j = 0; j < cols; j++) plane[d + j] = src[s + j * sw]!;
      }
      let at = c * T + n * th * tw;
      for (let ty = 0; ty < th; ty++) {
        let p = 2 * ty * Wp;
        for (let tx = 0; tx < tw; tx++, p += 2, at++) {
          const r0 = p, r1 = p + Wp, r2 = p + 2 * Wp, r3 = p + 3 * Wp;
          // B^T d, column by column
          const a0 = plane[r0]! - plane[r2]!, a1 = plane[r0 + 1]! - plane[r2 + 1]!, a2 = plane[r0 + 2]! - plane[r2 + 2]!, a3 = plane[r0 + 3]! - plane[r2 + 3]!;
          const b0 = plane[r1]! + plane[r2]!, b1 = plane[r1 + 1]! + plane[r2 + 1]!, b2 = plane[r1 + 2]! + plane[r2 + 2]!, b3 = plane[r1 + 3]! + plane[r2 + 3]!;
          const c0 = plane[r2]! - plane[r1]!, c1 = plane[r2 + 1]! - plane[r1 + 1]!, c2 = plane[r2 + 2]! - plane[r1 + 2]!, c3 = plane[r2 + 3]! - plane[r1 + 3]!;
          const d0 = plane[r1]! - plane[r3]!, d1 = plane[r1 + 1]! - plane[r3 + 1]!, d2 = plane[r1 + 2]! - plane[r3 + 2]!, d3 = plane[r1 + 3]! - plane[r3 + 3]!;
          // (B^T d) B, row by row
          v[at] = a0 - a2;
          v[at + CT] = a1 + a2;
          v[at + 2 * CT] = a2 - a1;
          v[at + 3 * CT] = a1 - a3;
          v[at + 4 * CT] = b0 - b2;
          v[at + 5 * CT] = b1 + b2;
          v[at + 6 * CT] = b2 - b1;
          v[at + 7 * CT] = b1 - b3;
          v[at + 8 * CT] = c0 - c2;
          v[at + 9 * CT] = c1 + c2;
          v[at + 10 * CT] = c2 - c1;
          v[at + 11 * CT] = c1 - c3;
          v[at + 12 * CT] = d0 - d2;
          v[at + 13 * CT] = d1 + d2;
          v[at + 14 * CT] = d2 - d1;
          v[at + 15 * CT] = d1 - d3;
        }
      }
      // the padding border of `plane` is never written, so it stays zero for the next channel
    }
}

/** y[n, o, 2ty + i, 2tx + j] = (A^T M A)[i][j] over the 16 products M[xi][o][t] of each tile. */
function outputTransform(m: Float32Array, N: number, O: number, oh: number, ow: number, th: number, tw: number, out: Float32Array): void {
  const T = N * th * tw, OT = O * T;
  const evenW = ow % 2 === 0;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      let at = o * T + n * th * tw;
      const plane = (n * O + o) * oh * ow;
      for (let ty = 0; ty < th; ty++) {
        const y0 = plane + 2 * ty * ow;
        const lastRow = 2 * ty + 1 >= oh;
        for (let tx = 0; tx < tw; tx++, at++) {
          const m0 = m[at]!, m1 = m[at + OT]!, m2 = m[at + 2 * OT]!, m3 = m[at + 3 * OT]!;
          const m4 = m[at + 4 * OT]!, m5 = m[at + 5 * OT]!, m6 = m[at + 6 * OT]!, m7 = m[at + 7 * OT]!;
          const m8 = m[at + 8 * OT]!, m9 = m[at + 9 * OT]!, m10 = m[at + 10 * OT]!, m11 = m[at + 11 * OT]!;
          const m12 = m[at + 12 * OT]!, m13 = m[at + 13 * OT]!, m14 = m[at + 14 * OT]!, m15 = m[at + 15 * OT]!;
          // A^T M, column by column
          const s0 = m0 + m4 + m8, s1 = m1 + m5 + m9, s2 = m2 + m6 + m10, s3 = m3 + m7 + m11;
          const t0 = m4 - m8 - m12, t1 = m5 - m9 - m13, t2 = m6 - m10 - m14, t3 = m7 - m11 - m15;
          const x0 = y0 + 2 * tx;
          out[x0] = s0 + s1 + s2;
          if (evenW || 2 * tx + 1 < ow) out[x0 + 1] = s1 - s2 - s3;
          if (!lastRow) {
            out[x0 + ow] = t0 + t1 + t2;
            if (evenW || 2 * tx + 1 < ow) out[x0 + ow + 1] = t1 - t2 - t3;
          }
        }
      }
    }
}
