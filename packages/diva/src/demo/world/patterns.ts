/** The nine MMVP visual patterns, spelled exactly as the MMVP-VLM folder and `Type` column names. */

/** Pattern names in benchmark order (ids 1-30 are the first pattern, 31-60 the second, ...). */
export const MMVP_PATTERN_NAMES = [
  "Orientation and Direction",
  "Presence of Specific Features",
  "State and Condition",
  "Quantity and Count",
  "Positional and Relational Context",
  "Color and Appearance",
  "Structural Characteristics",
  "Texts",
  "Viewpoint and Perspective",
] as const;

/** One MMVP pattern. */
export type MmvpPatternName = (typeof MMVP_PATTERN_NAMES)[number];

/** Pairs per pattern in MMVP-VLM. */
export const PAIRS_PER_PATTERN = 15;
