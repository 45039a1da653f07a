/** The nine MMVP visual patterns, spelled exactly as the MMVP-VLM folder and `Type` column names. */

import { MMVP_PATTERNS } from "../../eval/mmvp.js";

/** Pattern names in benchmark order (ids 1-30 are the first pattern, 31-60 the second, ...): the evaluator's list. */
export const MMVP_PATTERN_NAMES = MMVP_PATTERNS;

/** One MMVP pattern. */
export type MmvpPatternName = (typeof MMVP_PATTERN_NAMES)[number];

/** Pairs per pattern in MMVP-VLM. */
export const PAIRS_PER_PATTERN = 15;
