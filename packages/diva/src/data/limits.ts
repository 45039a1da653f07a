/**
 * Limits on what one training image may cost, so that a bad file in a dataset (a FIFO, a link to a device,
 * a decompression bomb) is skipped like an undecodable one instead of hanging the run or exhausting memory.
 */
export interface ImageLimits {
  /** Largest encoded file (or shard member) read, in bytes (default {@link DEFAULT_MAX_IMAGE_BYTES}). */
  readonly maxImageBytes?: number;
  /** Largest width x height decoded, checked from the image header before decoding (default {@link DEFAULT_MAX_IMAGE_PIXELS}). */
  readonly maxImagePixels?: number;
}

/** Default cap on the bytes read for one image file or shard member: 64 MiB. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;

/**
 * Default cap on an image's pixels: 40 megapixels (Pillow's decompression-bomb guard is of the same order).
 * A 16000x16000 PNG (256 megapixels) compresses to under 1 MB but takes gigabytes decoded.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;

/**
 * The limits with defaults filled in; errors name the option.
 * @internal
 */
export function resolveImageLimits(l: ImageLimits = {}): Required<ImageLimits> {
  const check = (name: string, v: number | undefined, fallback: number) => {
    const x = v ?? fallback;
    if (!Number.isSafeInteger(x) || x < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
    return x;
  };
  return {
    maxImageBytes: check("maxImageBytes", l.maxImageBytes, DEFAULT_MAX_IMAGE_BYTES),
    maxImagePixels: check("maxImagePixels", l.maxImagePixels, DEFAULT_MAX_IMAGE_PIXELS),
  };
}

/**
 * `67108864` as `64 MiB`, for messages.
 * @internal
 */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
