/**
 * Recursive-descent parser for the ClickHouse SELECT subset (precedence, lowest first:
 * OR, AND, NOT, comparison/IN/BETWEEN/LIKE/IS, || + -, * / %, unary minus, postfix ::/[]).
 * Constructs Unkey allows but the sandbox does not evaluate are parsed and recorded in
 * `Select.unsupported`, so table and function checks still run first, as in Unkey.
 */
import type {
  BinaryOp,
  Expr,
  OrderItem,
  Query,
  Select,
  SelectItem,
  TableRef,
  WithItem,
} from "./ast";
import { invalidQuery, invalidQueryType } from "./errors";
import { tokenize, type Token } from "./lexer";

const NON_SELECT = new Set([
  "INSERT",
  "UPDATE",
  "DELETE",
  "DROP",
  "ALTER",
  "CREATE",
  "TRUNCATE",
  "GRANT",
  "REVOKE",
  "RENAME",
  "ATTACH",
  "DETACH",
  "OPTIMIZE",
  "SYSTEM",
  "KILL",
  "SET",
  "USE",
  "SHOW",
  "DESCRIBE",
  "DESC",
  "EXPLAIN",
  "EXISTS",
  "CHECK",
  "REPLACE",
  "EXCHANGE",
  "UNDROP",
  "BACKUP",
  "RESTORE",
  "WATCH",
  "MOVE",
]);

/** Words that end an expression, so they are never taken as an implicit alias. */
const RESERVED = new Set([
  "SELECT",
  "FROM",
  "WHERE",
  "PREWHERE",
  "GROUP",
  "BY",
  "HAVING",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "UNION",
  "EXCEPT",
  "INTERSECT",
  "JOIN",
  "INNER",
  "LEFT",
  "RIGHT",
  "FULL",
  "CROSS",
  "OUTER",
  "ANY",
  "ALL",
  "ON",
  "USING",
  "ARRAY",
  "AS",
  "AND",
  "OR",
  "NOT",
  "IN",
  "BETWEEN",
  "LIKE",
  "ILIKE",
  "IS",
  "ASC",
  "DESC",
  "NULLS",
  "WITH",
  "SETTINGS",
  "FORMAT",
  "WINDOW",
  "QUALIFY",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "SEMI",
  "ANTI",
  "GLOBAL",
  "ASOF",
  "PASTE",
  "FINAL",
  "SAMPLE",
  "INTO",
  "OUTFILE",
  "DISTINCT",
  "INTERVAL",
  "OVER",
  "FILL",
  "TOTALS",
  "ROLLUP",
  "CUBE",
]);

const INTERVAL_UNITS = new Set([
  "NANOSECOND",
  "MICROSECOND",
  "MILLISECOND",
  "SECOND",
  "MINUTE",
  "HOUR",
  "DAY",
  "WEEK",
  "MONTH",
  "QUARTER",
  "YEAR",
]);

export function normalizeIntervalUnit(word: string): string | undefined {
  let u = word.toUpperCase();
  if (u.endsWith("S") && INTERVAL_UNITS.has(u.slice(0, -1))) u = u.slice(0, -1);
  return INTERVAL_UNITS.has(u) ? u : undefined;
}

class Parser {
  private i = 0;

  constructor(private readonly t: Token[]) {}

  private peek(k = 0): Token {
    return this.t[Math.min(this.i + k, this.t.length - 1)]!;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.kind !== "eof") this.i++;
    return tok;
  }

  private isKw(word: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok.kind === "ident" && tok.value.toUpperCase() === word;
  }

  private acceptKw(...words: string[]): boolean {
    if (!words.every((w, k) => this.isKw(w, k))) return false;
    this.i += words.length;
    return true;
  }

  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.fail(`expected ${word}`);
  }

  private isOp(op: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok.kind === "op" && tok.value === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected '${op}'`);
  }

  fail(message: string): never {
    const tok = this.peek();
    const near = tok.kind === "eof" ? "end of query" : `'${tok.value}' at position ${tok.pos}`;
    throw invalidQuery(`Invalid SQL syntax: ${message} near ${near}`);
  }

  private identifier(): string {
    const tok = this.peek();
    if (tok.kind === "qident" || (tok.kind === "ident" && !RESERVED.has(tok.value.toUpperCase()))) {
      this.i++;
      return tok.value;
    }
    return this.fail("expected an identifier");
  }

  statement(): Query {
    const first = this.peek();
    if (first.kind === "eof") throw invalidQuery("No SQL statements found");
    if (first.kind === "ident" && NON_SELECT.has(first.value.toUpperCase()))
      throw invalidQueryType();
    if (!(this.isKw("SELECT") || this.isKw("WITH") || this.isOp("("))) {
      throw invalidQuery(
        `Invalid SQL syntax: unexpected '${first.value}' at the start of the query`,
      );
    }
    const q = this.query();
    this.acceptOp(";");
    if (this.peek().kind !== "eof") {
      const tok = this.peek();
      if (tok.kind === "ident" && NON_SELECT.has(tok.value.toUpperCase())) throw invalidQueryType();
      this.fail("unexpected input after the query (only one statement is allowed)");
    }
    return q;
  }

  private query(): Query {
    const withItems: WithItem[] = [];
    if (this.acceptKw("WITH")) {
      do withItems.push(this.withItem());
      while (this.acceptOp(","));
    }
    const body = this.selectOrParenthesized();
    const compound: Select[] = [];
    while (this.isKw("UNION") || this.isKw("EXCEPT") || this.isKw("INTERSECT")) {
      this.next();
      if (!this.acceptKw("ALL")) this.acceptKw("DISTINCT");
      compound.push(this.selectOrParenthesized());
    }
    return { with: withItems, body, compound };
  }

  private selectOrParenthesized(): Select {
    if (this.acceptOp("(")) {
      const inner = this.query();
      this.expectOp(")");
      // A parenthesised query used as a statement: treat as a subquery in FROM.
      return {
        distinct: false,
        items: [{ expr: { kind: "star" } }],
        from: { kind: "subquery", query: inner },
        joins: [],
        groupBy: [],
        orderBy: [],
        unsupported: [],
      };
    }
    return this.select();
  }

  private withItem(): WithItem {
    // `name AS (SELECT …)` is a CTE; ClickHouse also allows `expr AS name`.
    if (
      (this.peek().kind === "ident" || this.peek().kind === "qident") &&
      this.isKw("AS", 1) &&
      this.isOp("(", 2)
    ) {
      const save = this.i;
      const name = this.identifier();
      this.expectKw("AS");
      this.expectOp("(");
      if (this.isKw("SELECT") || this.isKw("WITH")) {
        const query = this.query();
        this.expectOp(")");
        return { kind: "cte", name, query };
      }
      this.i = save;
    }
    const expr = this.expr();
    this.expectKw("AS");
    return { kind: "alias", name: this.identifier(), expr };
  }

  private select(): Select {
    this.expectKw("SELECT");
    const s: Select = {
      distinct: false,
      items: [],
      joins: [],
      groupBy: [],
      orderBy: [],
      unsupported: [],
    };
    if (this.acceptKw("DISTINCT")) s.distinct = true;
    else this.acceptKw("ALL");
    if (this.isKw("TOP")) s.unsupported.push("SELECT TOP");
    do s.items.push(this.selectItem());
    while (this.acceptOp(","));

    if (this.acceptKw("FROM")) {
      s.from = this.tableRef();
      if (this.acceptKw("FINAL")) s.unsupported.push("FINAL");
      if (this.isKw("SAMPLE")) this.fail("SAMPLE is not supported");
      this.joins(s);
    }
    if (this.acceptKw("PREWHERE")) {
      s.unsupported.push("PREWHERE");
      s.where = this.expr();
    }
    if (this.acceptKw("WHERE"))
      s.where = s.where
        ? { kind: "binary", op: "AND", left: s.where, right: this.expr() }
        : this.expr();
    if (this.acceptKw("GROUP", "BY")) {
      if (this.isKw("ALL")) {
        this.next();
        s.unsupported.push("GROUP BY ALL");
      } else {
        do s.groupBy.push(this.expr());
        while (this.acceptOp(","));
      }
      if (this.acceptKw("WITH")) {
        const mod = this.next().value.toUpperCase();
        s.unsupported.push(`GROUP BY … WITH ${mod}`);
      }
    }
    if (this.acceptKw("HAVING")) s.having = this.expr();
    if (this.acceptKw("WINDOW")) this.fail("WINDOW clauses are not supported");
    if (this.acceptKw("QUALIFY")) {
      s.unsupported.push("QUALIFY");
      this.expr();
    }
    if (this.acceptKw("ORDER", "BY")) {
      do s.orderBy.push(this.orderItem(s));
      while (this.acceptOp(","));
    }
    if (this.acceptKw("LIMIT")) {
      const first = this.expr();
      if (this.acceptOp(",")) {
        s.offset = first;
        s.limit = this.expr();
      } else {
        s.limit = first;
        if (this.acceptKw("OFFSET")) s.offset = this.expr();
      }
      if (this.acceptKw("BY")) {
        s.unsupported.push("LIMIT … BY");
        do this.expr();
        while (this.acceptOp(","));
        if (this.acceptKw("LIMIT")) {
          s.limit = this.expr();
          if (this.acceptKw("OFFSET")) s.offset = this.expr();
        }
      }
    } else if (this.acceptKw("OFFSET")) {
      s.offset = this.expr();
      this.acceptKw("ROWS");
    }
    if (this.acceptKw("SETTINGS")) {
      s.unsupported.push("SETTINGS");
      do {
        this.identifier();
        this.expectOp("=");
        this.expr();
      } while (this.acceptOp(","));
    }
    if (this.acceptKw("FORMAT")) {
      s.unsupported.push("FORMAT");
      this.next();
    }
    return s;
  }

  private joins(s: Select): void {
    for (;;) {
      if (this.acceptOp(",")) {
        s.unsupported.push("Joins");
        s.joins.push(this.tableRef());
        continue;
      }
      const start = this.i;
      let arrayJoin = false;
      while (
        [
          "GLOBAL",
          "LEFT",
          "RIGHT",
          "FULL",
          "INNER",
          "OUTER",
          "CROSS",
          "ANY",
          "ALL",
          "SEMI",
          "ANTI",
          "ASOF",
          "PASTE",
          "ARRAY",
        ].some((w) => this.isKw(w))
      ) {
        if (this.isKw("ARRAY")) arrayJoin = true;
        this.next();
      }
      if (!this.acceptKw("JOIN")) {
        this.i = start;
        return;
      }
      if (arrayJoin) {
        s.unsupported.push("ARRAY JOIN");
        do this.selectItem();
        while (this.acceptOp(","));
        continue;
      }
      s.unsupported.push("Joins");
      s.joins.push(this.tableRef());
      if (this.acceptKw("ON")) this.expr();
      else if (this.acceptKw("USING")) {
        const paren = this.acceptOp("(");
        do this.identifier();
        while (this.acceptOp(","));
        if (paren) this.expectOp(")");
      }
    }
  }

  private tableRef(): TableRef {
    let ref: TableRef;
    if (this.acceptOp("(")) {
      const query = this.query();
      this.expectOp(")");
      ref = { kind: "subquery", query };
    } else {
      const first = this.identifier();
      if (this.acceptOp("(")) {
        const args: Expr[] = [];
        if (!this.isOp(")")) {
          do args.push(this.expr());
          while (this.acceptOp(","));
        }
        this.expectOp(")");
        ref = { kind: "tableFunction", name: first, args };
      } else if (this.acceptOp(".")) {
        ref = { kind: "table", database: first, name: this.identifier() };
      } else {
        ref = { kind: "table", name: first };
      }
    }
    if (this.acceptKw("AS")) ref.alias = this.identifier();
    else if (
      this.peek().kind === "qident" ||
      (this.peek().kind === "ident" && !RESERVED.has(this.peek().value.toUpperCase()))
    ) {
      ref.alias = this.identifier();
    }
    return ref;
  }

  private selectItem(): SelectItem {
    const expr = this.expr();
    if (this.acceptKw("AS")) return { expr, alias: this.identifier() };
    const tok = this.peek();
    if (tok.kind === "qident" || (tok.kind === "ident" && !RESERVED.has(tok.value.toUpperCase()))) {
      return { expr, alias: this.identifier() };
    }
    return { expr };
  }

  private orderItem(s: Select): OrderItem {
    const expr = this.expr();
    let desc = false;
    if (this.acceptKw("DESC") || this.acceptKw("DESCENDING")) desc = true;
    else if (!this.acceptKw("ASC")) this.acceptKw("ASCENDING");
    if (this.acceptKw("NULLS")) {
      this.next();
      s.unsupported.push("NULLS FIRST/LAST");
    }
    if (this.acceptKw("COLLATE")) {
      this.next();
      s.unsupported.push("COLLATE");
    }
    if (this.acceptKw("WITH", "FILL")) {
      s.unsupported.push("WITH FILL");
      while (this.acceptKw("FROM") || this.acceptKw("TO") || this.acceptKw("STEP")) this.additive();
    }
    return { expr, desc };
  }

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptKw("OR")) left = { kind: "binary", op: "OR", left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptKw("AND")) left = { kind: "binary", op: "AND", left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptKw("NOT")) return { kind: "unary", op: "NOT", operand: this.not() };
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const tok = this.peek();
    if (tok.kind === "op" && ["=", "==", "!=", "<>", "<", "<=", ">", ">="].includes(tok.value)) {
      this.next();
      const op = (tok.value === "==" ? "=" : tok.value === "<>" ? "!=" : tok.value) as BinaryOp;
      return { kind: "binary", op, left, right: this.additive() };
    }
    const negated =
      this.isKw("NOT") &&
      (this.isKw("IN", 1) ||
        this.isKw("BETWEEN", 1) ||
        this.isKw("LIKE", 1) ||
        this.isKw("ILIKE", 1));
    if (negated) this.next();
    if (this.acceptKw("GLOBAL")) {
      /* GLOBAL IN behaves as IN on one node */
    }
    if (this.acceptKw("IN")) {
      if (this.isOp("(") && (this.isKw("SELECT", 1) || this.isKw("WITH", 1))) {
        this.next();
        const subquery = this.query();
        this.expectOp(")");
        return { kind: "in", operand: left, subquery, negated };
      }
      if (this.acceptOp("(")) {
        const list: Expr[] = [];
        if (!this.isOp(")")) {
          do list.push(this.expr());
          while (this.acceptOp(","));
        }
        this.expectOp(")");
        return { kind: "in", operand: left, list, negated };
      }
      if (this.isOp("[")) {
        const arr = this.primary();
        return {
          kind: "in",
          operand: left,
          list: arr.kind === "array" ? arr.items : [arr],
          negated,
        };
      }
      return this.fail("expected a list after IN");
    }
    if (this.acceptKw("BETWEEN")) {
      const low = this.additive();
      this.expectKw("AND");
      return { kind: "between", operand: left, low, high: this.additive(), negated };
    }
    if (this.isKw("LIKE") || this.isKw("ILIKE")) {
      const caseInsensitive = this.next().value.toUpperCase() === "ILIKE";
      return { kind: "like", operand: left, pattern: this.additive(), negated, caseInsensitive };
    }
    if (this.acceptKw("IS")) {
      const neg = this.acceptKw("NOT");
      this.expectKw("NULL");
      return { kind: "isNull", operand: left, negated: neg };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const tok = this.peek();
      if (tok.kind === "op" && (tok.value === "+" || tok.value === "-" || tok.value === "||")) {
        this.next();
        left = { kind: "binary", op: tok.value as BinaryOp, left, right: this.multiplicative() };
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const tok = this.peek();
      if (tok.kind === "op" && (tok.value === "*" || tok.value === "/" || tok.value === "%")) {
        this.next();
        left = { kind: "binary", op: tok.value as BinaryOp, left, right: this.unary() };
      } else return left;
    }
  }

  private unary(): Expr {
    if (this.acceptOp("-")) {
      const operand = this.unary();
      if (operand.kind === "number")
        return { ...operand, text: `-${operand.text}`, value: -operand.value };
      return { kind: "unary", op: "-", operand };
    }
    if (this.acceptOp("+")) return this.unary();
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.acceptOp("::")) e = { kind: "cast", operand: e, type: this.typeName() };
      else if (this.acceptOp("[")) {
        const index = this.expr();
        this.expectOp("]");
        e = { kind: "index", operand: e, index };
      } else return e;
    }
  }

  private typeName(): string {
    let name = this.identifier();
    if (this.acceptOp("(")) {
      const parts: string[] = [];
      let depth = 1;
      while (depth > 0) {
        const tok = this.next();
        if (tok.kind === "eof") this.fail("unterminated type");
        if (tok.kind === "op" && tok.value === "(") depth++;
        if (tok.kind === "op" && tok.value === ")") depth--;
        if (depth > 0) parts.push(tok.value);
      }
      name += `(${parts.join("")})`;
    }
    return name;
  }

  private primary(): Expr {
    const tok = this.peek();
    if (tok.kind === "number") {
      this.next();
      const value = Number(tok.value);
      return { kind: "number", text: tok.value, value, isInt: /^[0-9]+$/.test(tok.value) };
    }
    if (tok.kind === "string") {
      this.next();
      return { kind: "string", value: tok.value };
    }
    if (tok.kind === "op") {
      if (tok.value === "*") {
        this.next();
        return { kind: "star" };
      }
      if (tok.value === "[") {
        this.next();
        const items: Expr[] = [];
        if (!this.isOp("]")) {
          do items.push(this.expr());
          while (this.acceptOp(","));
        }
        this.expectOp("]");
        return { kind: "array", items };
      }
      if (tok.value === "(") {
        this.next();
        if (this.isKw("SELECT") || this.isKw("WITH")) {
          const query = this.query();
          this.expectOp(")");
          return { kind: "subquery", query };
        }
        const items: Expr[] = [];
        if (!this.isOp(")")) {
          do items.push(this.lambdaOrExpr());
          while (this.acceptOp(","));
        }
        this.expectOp(")");
        if (this.acceptOp("->")) {
          const params = items.map((p) =>
            p.kind === "column" ? p.name : this.fail("expected lambda parameters"),
          );
          return { kind: "lambda", params, body: this.expr() };
        }
        if (items.length === 1) return items[0]!;
        return { kind: "tuple", items };
      }
      return this.fail("unexpected token");
    }
    if (tok.kind === "eof") return this.fail("unexpected end of query");
    const word = tok.value.toUpperCase();
    if (tok.kind === "ident") {
      if (word === "NULL") {
        this.next();
        return { kind: "null" };
      }
      if (word === "TRUE" || word === "FALSE") {
        this.next();
        return { kind: "bool", value: word === "TRUE" };
      }
      if (word === "INTERVAL") {
        this.next();
        if (this.peek().kind === "string") {
          // INTERVAL '7 day'
          const text = this.next().value.trim();
          const m = /^(-?[0-9]+)\s+([A-Za-z]+)$/.exec(text);
          const unit = m ? normalizeIntervalUnit(m[2]!) : undefined;
          if (!m || !unit) return this.fail(`invalid interval literal '${text}'`);
          return {
            kind: "interval",
            value: { kind: "number", text: m[1]!, value: Number(m[1]), isInt: true },
            unit,
          };
        }
        const value = this.additive();
        const unitTok = this.next();
        const unit = unitTok.kind === "ident" ? normalizeIntervalUnit(unitTok.value) : undefined;
        if (!unit)
          return this.fail(
            "expected an interval unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR)",
          );
        return { kind: "interval", value, unit };
      }
      if (word === "CASE") return this.caseExpr();
      if (word === "CAST" && this.isOp("(", 1)) {
        this.next();
        this.next();
        const operand = this.expr();
        let type: string;
        if (this.acceptKw("AS")) type = this.typeName();
        else {
          this.expectOp(",");
          const t = this.next();
          if (t.kind !== "string") this.fail("expected a type name");
          type = t.value;
        }
        this.expectOp(")");
        return { kind: "cast", operand, type };
      }
    }
    // Identifier: a function call, a (qualified) column, or `t.*`.
    const name = this.identifier();
    if (this.isOp("(")) return this.call(name);
    if (this.acceptOp(".")) {
      if (this.acceptOp("*")) return { kind: "star", qualifier: name };
      return { kind: "column", qualifier: name, name: this.identifier() };
    }
    if (this.isOp("->")) {
      this.next();
      return { kind: "lambda", params: [name], body: this.expr() };
    }
    return { kind: "column", name };
  }

  private lambdaOrExpr(): Expr {
    return this.expr();
  }

  private callArgs(): { args: Expr[]; distinct: boolean } {
    this.expectOp("(");
    const args: Expr[] = [];
    let distinct = false;
    if (this.acceptKw("DISTINCT")) distinct = true;
    else this.acceptKw("ALL");
    if (!this.isOp(")")) {
      do args.push(this.lambdaOrExpr());
      while (this.acceptOp(","));
    }
    this.expectOp(")");
    return { args, distinct };
  }

  private call(name: string): Expr {
    const first = this.callArgs();
    let call: Extract<Expr, { kind: "call" }> = {
      kind: "call",
      name,
      args: first.args,
      distinct: first.distinct,
      over: false,
    };
    if (this.isOp("(")) {
      const second = this.callArgs();
      call = {
        kind: "call",
        name,
        params: first.args,
        args: second.args,
        distinct: second.distinct,
        over: false,
      };
    }
    if (this.acceptKw("OVER")) {
      call.over = true;
      if (this.acceptOp("(")) {
        let depth = 1;
        while (depth > 0) {
          const tok = this.next();
          if (tok.kind === "eof") this.fail("unterminated OVER clause");
          if (tok.kind === "op" && tok.value === "(") depth++;
          if (tok.kind === "op" && tok.value === ")") depth--;
        }
      } else this.identifier();
    }
    return call;
  }

  private caseExpr(): Expr {
    this.expectKw("CASE");
    let operand: Expr | undefined;
    if (!this.isKw("WHEN")) operand = this.expr();
    const branches: { when: Expr; then: Expr }[] = [];
    while (this.acceptKw("WHEN")) {
      const when = this.expr();
      this.expectKw("THEN");
      branches.push({ when, then: this.expr() });
    }
    if (branches.length === 0) this.fail("CASE needs at least one WHEN");
    let elseExpr: Expr | undefined;
    if (this.acceptKw("ELSE")) elseExpr = this.expr();
    this.expectKw("END");
    return { kind: "case", operand, branches, else: elseExpr };
  }
}

export function parseQuery(sql: string): Query {
  return new Parser(tokenize(sql)).statement();
}
