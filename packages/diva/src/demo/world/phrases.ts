/** English helpers for captions: articles, plurals, number words, slot and relation phrases. */
import type { PositionName, ShapeKind } from "./vocabulary.js";

/** "a" or "an" for the word that follows. */
export function article(nextWord: string): "a" | "an" {
  return /^[aeiou]/i.test(nextWord) ? "an" : "a";
}

/** A phrase with its indefinite article: "an arrow", "a red arrow". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

/** Plural of a kind noun. */
export function plural(kind: ShapeKind): string {
  return kind === "cross" ? "crosses" : `${kind}s`;
}

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** Number word for small counts ("two", "three"), digits beyond nine. */
export function numberWord(n: number): string {
  return NUMBER_WORDS[n] ?? String(n);
}

/** Where a lone object sits: "on the left", "at the top right", "in the centre". */
export function positionPhrase(position: PositionName): string {
  if (position === "centre") return "in the centre";
  if (position === "left" || position === "right") return `on the ${position}`;
  return `at the ${position}`;
}

/** How object A relates to object B from their slot offsets: "to the left of", "above", ... */
export function relationPhrase(a: readonly [number, number], b: readonly [number, number]): string {
  if (a[0] !== b[0]) return a[0] < b[0] ? "to the left of" : "to the right of";
  return a[1] < b[1] ? "above" : "below";
}
