/**
 * Python's `round` of a float: halves go to the even neighbour (`round(0.5) == 0`, `round(1.5) == 2`).
 * @internal
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Where CLIP's eval preprocessing resizes an image to and which square it keeps. */
export interface CenterCropGeometry {
  /** Width after the resize. */
  readonly width: number;
  /** Height after the resize. */
  readonly height: number;
  /** Left edge of the `size` x `size` crop in the resized image. */
  readonly left: number;
  /** Top edge of the crop. */
  readonly top: number;
}

/**
 * torchvision's `Resize(size)` then `CenterCrop(size)` (CLIP's and open_clip's eval transform): the shorter side
 * becomes `size` and the longer `int(size * long / short)` (truncated); the crop starts at
 * `int(round((side - size) / 2))` with Python's round-half-to-even.
 */
export function centerCropGeometry(width: number, height: number, size: number): CenterCropGeometry {
  if (![width, height, size].every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`centerCropGeometry: sizes must be positive integers, got ${width}x${height} -> ${size}`);
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  // size * long is an exact integer, so this matches Python's float division then int()
  const newLong = Math.trunc((size * long) / short);
  const w = width <= height ? size : newLong;
  const h = width <= height ? newLong : size;
  return { width: w, height: h, left: roundHalfEven((w - size) / 2), top: roundHalfEven((h - size) / 2) };
}
