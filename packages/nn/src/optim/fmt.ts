/** `[2,3]` for error messages. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(",")}]`;
