// Client-side CSV from rows already on screen (RFC 4180), for the finance tables' "Export CSV".

export type CsvColumn<R> = { header: string; value: (row: R) => string | number | null };

/**
 * One CSV field. Quotes fields with commas, quotes or line breaks. Text that a spreadsheet would run
 * as a formula (=, +, -, @, tab, CR at the start) gets a leading apostrophe: customer names are
 * user-controlled. Numbers are written raw so a negative number stays a number.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<R>(columns: readonly CsvColumn<R>[], rows: readonly R[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** "Top customers by usage" + "2026-11" → "top-customers-by-usage-2026-11.csv". */
export function csvFilename(...parts: string[]): string {
  const slug = parts
    .join(" ")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${slug || "export"}.csv`;
}

/** Hands the CSV to the browser as a download. */
export function downloadCsv(filename: string, csv: string): void {
  // A BOM so Excel reads UTF-8 names correctly.
  const blob = new Blob(["\uFEFF", csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
