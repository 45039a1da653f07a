/** RGB values (in [0, 1]) of the named colours, and the contrasting mark colour drawn on an object. */
import type { BackgroundName, ColourName } from "./vocabulary.js";

/** An RGB triple in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** Object colours. */
export const OBJECT_RGB: Readonly<Record<ColourName, Rgb>> = {
  red: [0.9, 0.15, 0.15],
  green: [0.15, 0.7, 0.2],
  blue: [0.15, 0.3, 0.95],
  yellow: [0.95, 0.85, 0.1],
  purple: [0.6, 0.2, 0.8],
  orange: [1.0, 0.55, 0.05],
};

/** Background colours. */
export const BACKGROUND_RGB: Readonly<Record<BackgroundName, Rgb>> = {
  black: [0.05, 0.05, 0.05],
  gray: [0.5, 0.5, 0.5],
  white: [0.95, 0.95, 0.95],
};

const DARK: Rgb = [0.08, 0.08, 0.08];
const LIGHT: Rgb = [0.97, 0.97, 0.97];

/** The colour of dots, stripes and letters on a filled object: near-black on light colours, near-white on dark ones. */
export function markRgb(colour: ColourName): Rgb {
  const [r, g, b] = OBJECT_RGB[colour];
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.5 ? DARK : LIGHT;
}
