/**
 * Separable image resampling with torch.nn.functional.interpolate's exact coordinates and weights, written as
 * two small matrix products (rows, then columns), so it is differentiable and runs on every backend:
 * - "bilinear" / "bicubic" without antialias: `align_corners` or half-pixel centres; bicubic uses Keys'
 *   kernel with A = -0.75 and clamps source indices at the border, like torch;
 * - `antialias: true` (torch's `_upsample_*_aa`, PIL-style): a triangle (bilinear) or A = -0.5 cubic
 *   (bicubic) filter whose support widens by the scale factor when downsampling, weights normalised per output.
 * Used for position-embedding interpolation: open_clip's `resize_pos_embed` and timm's
 * `resample_abs_pos_embed` both call bicubic with antialias=True.
 */
import { fromHost, matmul, tidy, transpose, type Tensor } from "@diva/tensor";

/** Resampling method and torch flags. */
export interface ResampleOptions {
  /** Interpolation kernel (default "bicubic"). */
  mode?: "bilinear" | "bicubic";
  /** torch's align_corners (default false; ignored with antialias). */
  alignCorners?: boolean;
  /** torch's antialias (default false). */
  antialias?: boolean;
}

function cubic1(x: number, a: number): number {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}
function cubic2(x: number, a: number): number {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}
function cubicWeights(t: number, a: number): [number, number, number, number] {
  return [cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)];
}

/**
 * The [outSize, inSize] matrix M with out = M @ in along one axis, matching torch's interpolate for the
 * given mode and flags (float64 weights).
 */
export function resampleMatrix(inSize: number, outSize: number, options: ResampleOptions = {}): Float64Array {
  const mode = options.mode ?? "bicubic";
  const m = new Float64Array(outSize * inSize);
  const add = (o: number, i: number, w: number) => {
    const c = Math.min(Math.max(i, 0), inSize - 1);
    m[o * inSize + c] += w;
  };
  if (options.antialias) {
    const scale = inSize / outSize;
    const interpSize = mode === "bicubic" ? 4 : 2;
    const support = scale >= 1 ? (interpSize / 2) * scale : interpSize / 2;
    const invscale = scale >= 1 ? 1 / scale : 1;
    const filter = (x: number) => {
      x = Math.abs(x);
      if (mode === "bilinear") return x < 1 ? 1 - x : 0;
      if (x < 1) return cubic1(x, -0.5);
      if (x < 2) return cubic2(x, -0.5);
      return 0;
    };
    for (let o = 0; o < outSize; o++) {
      const center = scale * (o + 0.5);
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      const ws: number[] = [];
      let total = 0;
      for (let j = 0; j < xsize; j++) {
        const w = filter((j + xmin - center + 0.5) * invscale);
        ws.push(w);
        total += w;
      }
      for (let j = 0; j < xsize; j++) add(o, xmin + j, total !== 0 ? ws[j]! / total : 0);
    }
    return m;
  }
  const align = options.alignCorners ?? false;
  const scale = align ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (mode === "bilinear") {
      let src = align ? scale * o : scale * (o + 0.5) - 0.5;
      if (!align && src < 0) src = 0;
      const i0 = Math.floor(src);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const l1 = src - i0;
      add(o, i0, 1 - l1);
      add(o, i1, l1);
    } else {
      const src = align ? scale * o : scale * (o + 0.5) - 0.5;
      const i0 = Math.floor(src);
      const w = cubicWeights(src - i0, -0.75);
      for (let k = 0; k < 4; k++) add(o, i0 - 1 + k, w[k]!);
    }
  }
  return m;
}

/**
 * Resizes x [..., H, W] to [..., outH, outW] as torch.nn.functional.interpolate(mode, align_corners,
 * antialias) does (bilinear or bicubic), computed as Mh @ x @ Mw^T.
 */
export function resize2d(x: Tensor, size: readonly [number, number], options: ResampleOptions = {}): Tensor {
  if (x.rank < 2) throw new Error(`resize2d: expected [..., H, W], got [${x.shape}]`);
  const h = x.shape[x.rank - 2]!;
  const w = x.shape[x.rank - 1]!;
  const [oh, ow] = size;
  const dtype = x.dtype === "float64" ? "float64" : "float32";
  const asTensor = (a: Float64Array, rows: number, cols: number) =>
    fromHost(dtype === "float64" ? a : Float32Array.from(a), dtype, [rows, cols], x.device);
  return tidy(() => {
    const mh = asTensor(resampleMatrix(h, oh, options), oh, h);
    const mw = asTensor(resampleMatrix(w, ow, options), ow, w);
    return matmul(matmul(mh, x), transpose(mw));
  });
}
