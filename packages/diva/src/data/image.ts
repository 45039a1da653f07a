import sharp from "sharp";
import { tensor, type Tensor } from "@diva/tensor";
import type { EvalResize, Normalization } from "../presets.js";
import { centerCropGeometry } from "./resize-geometry.js";
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS } from "./limits.js";
import { readRegularFile } from "./regular-file.js";

/** An RGB image as planar float data in [0, 1]. */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** CHW, three planes of width*height floats in [0, 1]. */
  readonly data: Float32Array;
}

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Largest width x height decoded (default {@link DEFAULT_MAX_IMAGE_PIXELS}); checked from the header before decoding. */
  readonly maxPixels?: number;
  /** Largest file read when `source` is a path (default {@link DEFAULT_MAX_IMAGE_BYTES}). */
  readonly maxBytes?: number;
}

/**
 * Decodes a JPEG/PNG/WebP file or buffer into an RGB image; errors name the source. A path is read only if it
 * is a regular file of at most `maxBytes`; an image whose header claims more than `maxPixels` pixels is refused
 * before any pixel is decoded (a few-hundred-KB PNG can claim 16000x16000, gigabytes once decoded).
 */
export async function decodeImage(
  source: string | Uint8Array,
  name = typeof source === "string" ? source : "image",
  options: DecodeImageOptions = {},
): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const bytes = typeof source === "string" ? await readRegularFile(source, options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES) : source;
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { failOn: "error" }).metadata());
  } catch (e) {
    throw new Error(`${name}: cannot decode image (${firstLine(e)})`);
  }
  if (width !== undefined && height !== undefined && width * height > maxPixels) {
    throw new Error(
      `${name}: image is ${width}x${height} (${pixels(width * height)}), over the limit of ${pixels(maxPixels)}; ` +
        `not decoded (raise the limit with maxImagePixels / --max-image-pixels)`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: "error", limitInputPixels: maxPixels })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return fromInterleaved(data, info.width, info.height, info.channels);
  } catch (e) {
    throw new Error(`${name}: cannot decode image (${firstLine(e)})`);
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();
const pixels = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)} megapixels` : `${n} pixels`);

/** Interleaved 8-bit RGB(A) pixels -> planar float RGB. */
export function fromInterleaved(pixels: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[c * n + i] = pixels[i * channels + (channels === 1 ? 0 : c)]! / 255;
  }
  return { width, height, data };
}

/** Planar float RGB in [0, 1] -> interleaved 8-bit RGB. */
export function toInterleaved(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, img.data[c * n + i]!)) * 255);
  return out;
}

/** A crop box in source pixels. */
export interface CropBox {
  /** Left edge. */
  readonly left: number;
  /** Top edge. */
  readonly top: number;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
}

/** Crops (optional) then resizes to `size` x `size` with bicubic sampling (sharp's cubic kernel). */
export async function cropResize(img: RgbImage, size: number, box?: CropBox): Promise<RgbImage> {
  let pipe = sharp(Buffer.from(toInterleaved(img)), { raw: { width: img.width, height: img.height, channels: 3 } });
  if (box) pipe = pipe.extract({ left: Math.round(box.left), top: Math.round(box.top), width: Math.max(1, Math.round(box.width)), height: Math.max(1, Math.round(box.height)) });
  const { data, info } = await pipe.resize(size, size, { kernel: "cubic", fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
  return fromInterleaved(data, info.width, info.height, info.channels);
}

/**
 * CLIP's eval preprocessing: resize the shorter side to `size` (bicubic), centre crop `size` x `size`, with
 * torchvision's rounding (long side truncated, crop offset rounded half to even; see `centerCropGeometry`).
 */
export async function clipResizeCenterCrop(img: RgbImage, size: number): Promise<RgbImage> {
  if (img.width === size && img.height === size) return img;
  const g = centerCropGeometry(img.width, img.height, size);
  let pipe = sharp(Buffer.from(toInterleaved(img)), { raw: { width: img.width, height: img.height, channels: 3 } });
  if (g.width !== img.width || g.height !== img.height) pipe = pipe.resize(g.width, g.height, { kernel: "cubic", fit: "fill" });
  const { data, info } = await pipe.extract({ left: g.left, top: g.top, width: size, height: size }).raw().toBuffer({ resolveWithObject: true });
  return fromInterleaved(data, info.width, info.height, info.channels);
}

/** open_clip's `squash` eval resize (SigLIP): both sides to `size` (bicubic), no crop. */
export async function squashResize(img: RgbImage, size: number): Promise<RgbImage> {
  if (img.width === size && img.height === size) return img;
  return cropResize(img, size);
}

/** The eval resize a model's preset names: shorter side + centre crop (CLIP) or squash (SigLIP). */
export function evalResize(img: RgbImage, size: number, mode: EvalResize = "shorter-side-crop"): Promise<RgbImage> {
  return mode === "squash" ? squashResize(img, size) : clipResizeCenterCrop(img, size);
}

/** Stacks images of equal size into a normalised [B, 3, H, W] float32 tensor: (x - mean) / std per channel. */
export function imagesToTensor(images: readonly RgbImage[], norm?: Normalization): Tensor {
  if (images.length === 0) throw new Error("imagesToTensor: no images");
  const { width, height } = images[0]!;
  const n = width * height;
  const out = new Float32Array(images.length * 3 * n);
  images.forEach((img, b) => {
    if (img.width !== width || img.height !== height) {
      throw new Error(`imagesToTensor: image ${b} is ${img.width}x${img.height}, expected ${width}x${height}`);
    }
    for (let c = 0; c < 3; c++) {
      const m = norm ? norm.mean[c]! : 0;
      const s = norm ? norm.std[c]! : 1;
      const base = (b * 3 + c) * n;
      for (let i = 0; i < n; i++) out[base + i] = (img.data[c * n + i]! - m) / s;
    }
  });
  return tensor(out, { shape: [images.length, 3, height, width] });
}
