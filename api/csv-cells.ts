/**
 * Formula cells in CSV (OWASP "CSV injection"): a spreadsheet runs a cell that starts with `=`, `+`, `-`
 * or `@` (and, after a tab or carriage return, whatever follows) as a formula. The export writes such a
 * text cell with a leading apostrophe, which spreadsheets show as text; the import drops it again.
 *
 * Rule, so the round trip is lossless and unambiguous: on export a text cell that starts with one of
 * those characters OR with an apostrophe gets one more apostrophe in front; on import a cell that starts
 * with an apostrophe followed by one of those characters or another apostrophe loses its first one.
 * A value that genuinely starts with `'=` is exported as `''=` and imported as `'=`. A lone apostrophe
 * before anything else (`'abc`, typed by hand) is kept as it is.
 */

const formulaStart = /^[=+\-@\t\r]/;
const escapedStart = /^'[=+\-@\t\r']/;

/** A text cell made safe to open in a spreadsheet; numbers are left alone (they are never formulas). */
export function escapeCell<T>(value: T): T | string {
  if (typeof value !== 'string') return value;
  return formulaStart.test(value) || value.startsWith("'") ? `'${value}` : value;
}

/** The value `escapeCell` was given, from the cell it wrote. */
export function unescapeCell(cell: string): string {
  return escapedStart.test(cell) ? cell.slice(1) : cell;
}
