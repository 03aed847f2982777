/**
 * The newsroom's tables as CSV (RFC 4180: comma-separated, CRLF between records, one header row).
 * Text cells are defended against formula injection, since a story title is whatever an editor
 * wrote and spreadsheets run a cell that begins with = + - @ (or a tab or carriage return, which
 * some strip first) as a formula: such a cell is prefixed with an apostrophe, as OWASP advises.
 * Numbers are written as numbers, so a negative figure stays a figure.
 */

export type Cell = string | number;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: Cell): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
