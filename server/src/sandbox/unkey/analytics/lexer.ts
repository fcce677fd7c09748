/** Tokenizer for the ClickHouse SQL subset the sandbox understands. */
import { invalidQuery } from "./errors";

export type TokenKind = "ident" | "qident" | "number" | "string" | "op" | "eof";

export interface Token {
  kind: TokenKind;
  /** Identifier text (unquoted), number text, unescaped string, or operator. */
  value: string;
  pos: number;
}

// Longest first so `<=` wins over `<`.
const OPERATORS = [
  "->",
  "::",
  "<=",
  ">=",
  "!=",
  "<>",
  "==",
  "||",
  "(",
  ")",
  ",",
  ".",
  "*",
  "+",
  "-",
  "/",
  "%",
  "=",
  "<",
  ">",
  "[",
  "]",
  ";",
  "?",
  ":",
];

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && sql[i + 1] === "-") {
      while (i < n && sql[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) throw invalidQuery("Invalid SQL syntax: unterminated comment");
      i = end + 2;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      out.push({ kind: "ident", value: sql.slice(start, i), pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      while (i < n && /[0-9_]/.test(sql[i]!)) i++;
      if (sql[i] === "." && /[0-9]/.test(sql[i + 1] ?? "")) {
        i++;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      if (/[eE]/.test(sql[i] ?? "") && /[-+0-9]/.test(sql[i + 1] ?? "")) {
        i += 2;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      out.push({ kind: "number", value: sql.slice(start, i).replace(/_/g, ""), pos: start });
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      // '…' is a string; "…" and `…` are quoted identifiers (as in ClickHouse).
      let text = "";
      i++;
      for (;;) {
        if (i >= n)
          throw invalidQuery(
            `Invalid SQL syntax: unterminated ${c === "'" ? "string" : "identifier"} at ${start}`,
          );
        const d = sql[i]!;
        if (d === "\\" && i + 1 < n) {
          const e = sql[i + 1]!;
          text += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      out.push({ kind: c === "'" ? "string" : "qident", value: text, pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (!op) throw invalidQuery(`Invalid SQL syntax: unexpected character '${c}' at ${i}`);
    out.push({ kind: "op", value: op, pos: start });
    i += op.length;
  }
  out.push({ kind: "eof", value: "", pos: n });
  return out;
}
