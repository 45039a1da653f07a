import type { RgbImage } from "./image.js";

/**
 * Source coordinates and weights along one axis, as torch's bilinear `interpolate` with
 * `align_corners=False` and no antialiasing defines them: src = (dst + 0.5) * scale - 0.5 with
 * scale = in / out (a float32, as torch computes it), clamped at 0; the neighbours are floor(src) and the next
 * one (the last pixel repeats at the edge). Weights and sums are in float64 and rounded once at the end: torch's
 * kernels round in float32 at different points (CPU and CUDA differ), within a few float32 ulps of this.
 */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = Math.fround(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, scale * (d + 0.5) - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    w1[d] = Math.min(1, src - lo);
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear resize of planar float data [channels, inH, inW] -> [channels, outH, outW], matching
 * `torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False, antialias=False)`: no
 * low-pass filter when shrinking, so each output pixel reads only its 2 x 2 nearest source pixels.
 */
export function interpolateBilinear(data: Float32Array, channels: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  for (const [name, v] of [["channels", channels], ["inH", inH], ["inW", inW], ["outH", outH], ["outW", outW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`interpolateBilinear: ${name} must be a positive integer, got ${v}`);
  }
  if (data.length !== channels * inH * inW) {
    throw new Error(`interpolateBilinear: ${data.length} values do not fill [${channels}, ${inH}, ${inW}]`);
  }
  const ys = axis(inH, outH);
  const xs = axis(inW, outW);
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    const src = c * inH * inW;
    const dst = c * outH * outW;
    for (let y = 0; y < outH; y++) {
      const r0 = src + ys.i0[y]! * inW;
      const r1 = src + ys.i1[y]! * inW;
      const wy1 = ys.w1[y]!;
      const wy0 = 1 - wy1;
      for (let x = 0; x < outW; x++) {
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const wx1 = xs.w1[x]!;
        const wx0 = 1 - wx1;
        const top = wx0 * data[r0 + x0]! + wx1 * data[r0 + x1]!;
        const bottom = wx0 * data[r1 + x0]! + wx1 * data[r1 + x1]!;
        out[dst + y * outW + x] = wy0 * top + wy1 * bottom;
      }
    }
  }
  return out;
}

/** An image resized to `size` x `size` with {@link interpolateBilinear} (the reference's CLIP view of the VAE view). */
export function resizeBilinear(img: RgbImage, size: number): RgbImage {
  return { width: size, height: size, data: interpolateBilinear(img.data, 3, img.height, img.width, size, size) };
}
