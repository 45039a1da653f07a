/** The world's image type (float CHW in [0, 1]) and its conversion to and from 8-bit interleaved RGB. */

/** An RGB image: `data` is channel-major (CHW) with `shape` [3, height, width], values in [0, 1]. */
export interface WorldImage {
  /** Pixel values, CHW. Rendered images hold exact multiples of 1/255, so an 8-bit round trip is lossless. */
  readonly data: Float32Array;
  /** [channels = 3, height, width]. */
  readonly shape: readonly [3, number, number];
}

/** Interleaved 8-bit RGB (HWC) of an image, rounding to the nearest level. */
export function toRgbBytes(image: WorldImage): Uint8Array {
  const [, h, w] = image.shape;
  const plane = h * w;
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[c * plane + p];
      out[p * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return out;
}

/** A float CHW image from interleaved 8-bit pixels with `channels` per pixel (the first three are used). */
export function fromRgbBytes(bytes: Uint8Array, width: number, height: number, channels = 3): WorldImage {
  const plane = width * height;
  if (bytes.length < plane * channels) throw new RangeError("fromRgbBytes: buffer too small");
  const data = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[c * plane + p] = bytes[p * channels + c] / 255;
  }
  return { data, shape: [3, height, width] };
}

/** The number of values at which two images of the same shape differ. */
export function countDifferences(a: WorldImage, b: WorldImage): number {
  if (a.data.length !== b.data.length) throw new RangeError("countDifferences: shapes differ");
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n;
}
