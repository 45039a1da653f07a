/** Minimal RFC 4180 CSV writing (fields with commas, quotes or line breaks are quoted). */

/** One CSV field, quoted when needed (inner quotes doubled). */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text of a header and rows, lines ending in "\n". */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}
