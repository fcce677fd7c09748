/** CSV (RFC 4180) cells and rows, safe to open in a spreadsheet. */

export type CsvValue = string | number | boolean | null;

/**
 * Quotes when needed (comma, quote, CR/LF), doubling quotes. Text starting with = + - @ (or a
 * tab/CR) is prefixed with ' so a spreadsheet does not run it as a formula (CSV injection).
 */
export function csvCell(v: CsvValue): string {
  if (v === null) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: CsvValue[]) => `${cells.map(csvCell).join(",")}\r\n`;
