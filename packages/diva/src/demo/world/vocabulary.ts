/**
 * The discrete vocabulary of the synthetic world: object kinds, colours, positions, directions, fills,
 * patterns, glyphs, scales and views, and which kinds support which fine-grained attribute.
 */

/** Object kinds, the coarse classes of the zero-shot set. */
export const SHAPE_KINDS = ["circle", "square", "triangle", "arrow", "star", "cross", "heart", "house"] as const;
/** One object kind. */
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** Object colours (named palette). */
export const COLOUR_NAMES = ["red", "green", "blue", "yellow", "purple", "orange"] as const;
/** One object colour. */
export type ColourName = (typeof COLOUR_NAMES)[number];

/** Background colours (disjoint from the object palette). */
export const BACKGROUND_NAMES = ["black", "gray", "white"] as const;
/** One background colour. */
export type BackgroundName = (typeof BACKGROUND_NAMES)[number];

/** Slots of a 3x3 layout grid. */
export const POSITION_NAMES = [
  "top left", "top", "top right",
  "left", "centre", "right",
  "bottom left", "bottom", "bottom right",
] as const;
/** One layout slot. */
export type PositionName = (typeof POSITION_NAMES)[number];

/** Pointing directions (meaningful for oriented kinds only; others always point "up"). */
export const DIRECTION_NAMES = ["up", "down", "left", "right"] as const;
/** One direction. */
export type DirectionName = (typeof DIRECTION_NAMES)[number];

/** Filled or hollow (outline only). */
const FILL_NAMES = ["filled", "hollow"] as const;
/** One fill state. */
export type FillName = (typeof FILL_NAMES)[number];

/** Surface structure. */
const PATTERN_NAMES = ["plain", "striped"] as const;
/** One surface structure. */
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Letters that can be drawn on an object (5x5 pixel glyphs). */
export const GLYPH_NAMES = ["T", "L", "E", "F", "H", "C", "O", "U"] as const;
/** One letter. */
export type GlyphName = (typeof GLYPH_NAMES)[number];

/** Object sizes. */
const SCALE_NAMES = ["small", "medium", "large"] as const;
/** One object size. */
export type ScaleName = (typeof SCALE_NAMES)[number];

/** Camera views: "far" zooms out around the image centre, "close-up" zooms in on the first object (cropping it). */
const VIEW_NAMES = ["normal", "far", "close-up"] as const;
/** One camera view. */
export type ViewName = (typeof VIEW_NAMES)[number];

const ORIENTED: ReadonlySet<ShapeKind> = new Set<ShapeKind>(["arrow", "triangle"]);
const NO_DOT: ReadonlySet<ShapeKind> = new Set<ShapeKind>(["arrow"]);
const STRIPABLE: ReadonlySet<ShapeKind> = new Set<ShapeKind>(["circle", "square", "triangle", "house", "star", "cross", "heart"]);
const GLYPH_BEARING: ReadonlySet<ShapeKind> = new Set<ShapeKind>(["circle", "square"]);

/** Whether the kind has a direction (arrow, triangle). */
export function isOriented(kind: ShapeKind): boolean {
  return ORIENTED.has(kind);
}

/** Whether the kind can be drawn hollow (every kind can; kept as a predicate for symmetry with the others). */
export function supportsHollow(kind: ShapeKind): boolean {
  return SHAPE_KINDS.includes(kind);
}

/** Whether the kind can carry a small dot inside (all but the arrow). */
export function supportsDot(kind: ShapeKind): boolean {
  return !NO_DOT.has(kind);
}

/** Whether the kind has enough area for stripes. */
export function supportsStripes(kind: ShapeKind): boolean {
  return STRIPABLE.has(kind);
}

/** Whether the kind can carry a letter (circle, square). */
export function supportsGlyph(kind: ShapeKind): boolean {
  return GLYPH_BEARING.has(kind);
}

/** Column (-1, 0, 1) and row (-1 top, 0, 1 bottom) of a slot. */
export function slotOffset(position: PositionName): readonly [number, number] {
  const i = POSITION_NAMES.indexOf(position);
  return [(i % 3) - 1, Math.floor(i / 3) - 1];
}
