/** 5x5 pixel letters ('#' = ink), drawn on objects for the Texts pattern. */
import type { GlyphName } from "./vocabulary.js";

const BITMAPS: Readonly<Record<GlyphName, readonly string[]>> = {
  T: ["#####", "..#..", "..#..", "..#..", "..#.."],
  L: ["#....", "#....", "#....", "#....", "#####"],
  E: ["#####", "#....", "####.", "#....", "#####"],
  F: ["#####", "#....", "####.", "#....", "#...."],
  H: ["#...#", "#...#", "#####", "#...#", "#...#"],
  C: [".####", "#....", "#....", "#....", ".####"],
  O: [".###.", "#...#", "#...#", "#...#", ".###."],
  U: ["#...#", "#...#", "#...#", "#...#", ".###."],
};

/** Side of the glyph grid in cells. */
export const GLYPH_CELLS = 5;

/** Whether cell (column, row) of a letter is inked; cells outside the grid are not. */
export function glyphInk(glyph: GlyphName, column: number, row: number): boolean {
  if (column < 0 || row < 0 || column >= GLYPH_CELLS || row >= GLYPH_CELLS) return false;
  return BITMAPS[glyph][row][column] === "#";
}
