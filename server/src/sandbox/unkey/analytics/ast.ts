/** AST of the parsed ClickHouse SELECT subset. */

export type BinaryOp =
  "+" | "-" | "*" | "/" | "%" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "AND" | "OR" | "||";

export type Expr =
  | { kind: "number"; text: string; value: number; isInt: boolean }
  | { kind: "string"; value: string }
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "column"; name: string; qualifier?: string }
  | { kind: "star"; qualifier?: string }
  | {
      kind: "call";
      name: string;
      args: Expr[];
      distinct: boolean;
      /** Parametric aggregates: `quantile(0.9)(x)` has params [0.9] and args [x]. */
      params?: Expr[];
      /** Window function (`… OVER (…)`): parsed so the allow-list runs, then rejected as unsupported. */
      over: boolean;
    }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "unary"; op: "-" | "NOT"; operand: Expr }
  | { kind: "between"; operand: Expr; low: Expr; high: Expr; negated: boolean }
  | { kind: "in"; operand: Expr; list?: Expr[]; subquery?: Query; negated: boolean }
  | { kind: "like"; operand: Expr; pattern: Expr; negated: boolean; caseInsensitive: boolean }
  | { kind: "isNull"; operand: Expr; negated: boolean }
  | { kind: "interval"; value: Expr; unit: string }
  | { kind: "case"; operand?: Expr; branches: { when: Expr; then: Expr }[]; else?: Expr }
  | { kind: "array"; items: Expr[] }
  | { kind: "tuple"; items: Expr[] }
  | { kind: "subquery"; query: Query }
  | { kind: "cast"; operand: Expr; type: string }
  | { kind: "lambda"; params: string[]; body: Expr }
  | { kind: "index"; operand: Expr; index: Expr };

export interface SelectItem {
  expr: Expr;
  alias?: string;
}

export type TableRef =
  | { kind: "table"; database?: string; name: string; alias?: string }
  | { kind: "subquery"; query: Query; alias?: string }
  | { kind: "tableFunction"; name: string; args: Expr[]; alias?: string };

export interface OrderItem {
  expr: Expr;
  desc: boolean;
}

export interface Select {
  distinct: boolean;
  items: SelectItem[];
  from?: TableRef;
  /** Other FROM sources (JOIN, ARRAY JOIN): checked against the table allow-list, then rejected. */
  joins: TableRef[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
  /** Constructs parsed but outside the sandbox subset, reported after the allow-list checks. */
  unsupported: string[];
}

export type WithItem =
  { kind: "cte"; name: string; query: Query } | { kind: "alias"; name: string; expr: Expr };

export interface Query {
  with: WithItem[];
  body: Select;
  /** UNION / EXCEPT / INTERSECT branches. */
  compound: Select[];
}

/**
 * The expressions directly inside `e` (not inside subqueries), in source order. One definition of
 * the tree's shape for every walk (validation, GROUP BY checks), so a new node kind is handled once.
 */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case "call":
      return [...(e.params ?? []), ...e.args];
    case "binary":
      return [e.left, e.right];
    case "unary":
    case "isNull":
    case "cast":
      return [e.operand];
    case "between":
      return [e.operand, e.low, e.high];
    case "in":
      return [e.operand, ...(e.list ?? [])];
    case "like":
      return [e.operand, e.pattern];
    case "interval":
      return [e.value];
    case "case":
      return [
        ...(e.operand ? [e.operand] : []),
        ...e.branches.flatMap((b) => [b.when, b.then]),
        ...(e.else ? [e.else] : []),
      ];
    case "array":
    case "tuple":
      return e.items;
    case "lambda":
      return [e.body];
    case "index":
      return [e.operand, e.index];
    case "number":
    case "string":
    case "null":
    case "bool":
    case "column":
    case "star":
    case "subquery":
      return [];
  }
}
