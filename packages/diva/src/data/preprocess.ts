import { randomBits, type RandomKey } from "@diva/tensor";
import type { ClipView } from "../presets.js";
import { cropResize, type CropBox, type RgbImage } from "./image.js";
import { resizeBilinear } from "./resize-bilinear.js";

/** Uniform floats in [0, 1) from a key (host side). */
function uniforms(key: RandomKey, n: number): number[] {
  return Array.from(randomBits(key, n), (b) => b / 2 ** 32);
}

/**
 * torchvision's RandomResizedCrop box: area fraction in `scale`, log-uniform aspect ratio in `ratio`,
 * up to 10 tries, then the centre crop fallback.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  key: RandomKey,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): CropBox {
  const area = width * height;
  const u = uniforms(key, 40);
  for (let i = 0; i < 10; i++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * u[4 * i]!);
    const logr = Math.log(ratio[0]) + (Math.log(ratio[1]) - Math.log(ratio[0])) * u[4 * i + 1]!;
    const ar = Math.exp(logr);
    const w = Math.round(Math.sqrt(target * ar));
    const h = Math.round(Math.sqrt(target / ar));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = Math.floor(u[4 * i + 2]! * (height - h + 1));
      const left = Math.floor(u[4 * i + 3]! * (width - w + 1));
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

/** The two views DIVA trains on. */
export interface DivaViews {
  /** RandomResizedCrop at the VAE resolution, in [0, 1] (the loader maps it to [-1, 1]). */
  readonly vae: RgbImage;
  /** The CLIP view: the same crop resized to the CLIP resolution, in [0, 1] (normalised later). */
  readonly clip: RgbImage;
}

/**
 * DIVA's two views: RandomResizedCrop(vaeSize, scale, ratio) bicubic for the VAE, and for CLIP either
 * - `reference` (the reference code): the VAE view resized bilinearly without antialiasing (torch's
 *   `interpolate(bilinear, align_corners=False)`; it resizes the normalised view, which is the same since the
 *   normalisation is affine per channel), or
 * - `source-bicubic`: the same crop of the source resized bicubically (sharp, antialiased) to the CLIP resolution.
 */
export async function divaViews(
  img: RgbImage,
  key: RandomKey,
  vaeSize: number,
  clipSize: number,
  scale: readonly [number, number],
  clipView: ClipView = "source-bicubic",
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): Promise<DivaViews> {
  const box = randomResizedCropBox(img.width, img.height, key, scale, ratio);
  if (clipView === "reference") {
    const vae = await cropResize(img, vaeSize, box);
    return { vae, clip: resizeBilinear(vae, clipSize) };
  }
  const [vae, clip] = await Promise.all([cropResize(img, vaeSize, box), cropResize(img, clipSize, box)]);
  return { vae, clip };
}
