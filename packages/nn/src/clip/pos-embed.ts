/**
 * Position-embedding interpolation for other input resolutions, as open_clip's `resize_pos_embed` and timm's
 * `resample_abs_pos_embed` do it: the prefix rows (class/register tokens) are kept, the grid rows are
 * reshaped to [W, gh, gw], resized with torch's interpolate semantics (default bicubic with antialias, the
 * setting both references use) and flattened back.
 */
import { concat, permute, reshape, slice, type Tensor } from "@diva/tensor";
import { resize2d, type ResampleOptions } from "../layers/resample.js";

/** Options of {@link resizePosEmbed}. */
export interface ResizePosEmbedOptions extends ResampleOptions {
  /** Leading rows that are not grid positions (1 for the class token of open_clip; default 1). */
  numPrefixTokens?: number;
}

/**
 * Resizes a position table [P + gh*gw, W] (or [1, P + gh*gw, W], kept 3-D) from grid `oldGrid` to `newGrid`.
 * Defaults: bicubic, antialias true, align_corners false (open_clip's and timm's defaults).
 */
export function resizePosEmbed(
  posEmbed: Tensor,
  oldGrid: readonly [number, number],
  newGrid: readonly [number, number],
  options: ResizePosEmbedOptions = {},
): Tensor {
  const batched = posEmbed.rank === 3;
  const table = batched ? reshape(posEmbed, posEmbed.shape.slice(1)) : posEmbed;
  const [rows, w] = table.shape as [number, number];
  const p = options.numPrefixTokens ?? 1;
  if (rows !== p + oldGrid[0] * oldGrid[1]) {
    throw new Error(`resizePosEmbed: ${rows} rows do not match ${p} prefix token(s) + a ${oldGrid[0]}x${oldGrid[1]} grid`);
  }
  if (oldGrid[0] === newGrid[0] && oldGrid[1] === newGrid[1]) return posEmbed;
  const grid = permute(reshape(slice(table, [[p, rows]]), [oldGrid[0], oldGrid[1], w]), [2, 0, 1]);
  const resized = resize2d(grid, newGrid, { mode: options.mode ?? "bicubic", antialias: options.antialias ?? true, alignCorners: options.alignCorners ?? false });
  const flat = reshape(permute(resized, [1, 2, 0]), [newGrid[0] * newGrid[1], w]);
  const out = p > 0 ? concat([slice(table, [[0, p]]), flat], 0) : flat;
  return batched ? reshape(out, [1, ...out.shape]) : out;
}

/**
 * The square grid of a table with `rows` rows after `numPrefixTokens` prefix rows, or an error.
 * @internal
 */
export function squareGrid(rows: number, numPrefixTokens: number): [number, number] {
  const n = rows - numPrefixTokens;
  const g = Math.round(Math.sqrt(n));
  if (g * g !== n) throw new Error(`position table of ${rows} rows (${numPrefixTokens} prefix) is not a square grid; give the grid explicitly`);
  return [g, g];
}
