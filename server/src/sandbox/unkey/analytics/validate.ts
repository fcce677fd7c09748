/**
 * The allow-list checks Unkey runs before executing a query, in Unkey's order: tables first, then
 * functions. They walk the whole statement (CTEs, subqueries, joins, IN (SELECT …)).
 */
import { childExprs, type Expr, type Query, type Select, type TableRef } from "./ast";
import { invalidFunction, invalidTable } from "./errors";
import { allowedFunctions, publicTables } from "./functions";

function walkQuery(
  q: Query,
  visit: {
    table(ref: TableRef, ctes: Set<string>): void;
    call(e: Extract<Expr, { kind: "call" }>): void;
  },
  outerCtes: Set<string>,
): void {
  const ctes = new Set(outerCtes);
  for (const w of q.with) {
    if (w.kind === "cte") {
      walkQuery(w.query, visit, ctes);
      ctes.add(w.name);
    } else walkExpr(w.expr, visit, ctes);
  }
  for (const s of [q.body, ...q.compound]) walkSelect(s, visit, ctes);
}

function walkSelect(s: Select, visit: Parameters<typeof walkQuery>[1], ctes: Set<string>): void {
  for (const ref of [s.from, ...s.joins]) {
    if (!ref) continue;
    visit.table(ref, ctes);
    if (ref.kind === "subquery") walkQuery(ref.query, visit, ctes);
    if (ref.kind === "tableFunction") ref.args.forEach((a) => walkExpr(a, visit, ctes));
  }
  const exprs: (Expr | undefined)[] = [
    ...s.items.map((i) => i.expr),
    s.where,
    ...s.groupBy,
    s.having,
    ...s.orderBy.map((o) => o.expr),
    s.limit,
    s.offset,
  ];
  for (const e of exprs) if (e) walkExpr(e, visit, ctes);
}

function walkExpr(e: Expr, visit: Parameters<typeof walkQuery>[1], ctes: Set<string>): void {
  const rec = (x: Expr | undefined) => x && walkExpr(x, visit, ctes);
  if (e.kind === "call") visit.call(e);
  if (e.kind === "subquery") walkQuery(e.query, visit, ctes);
  if (e.kind === "in" && e.subquery) walkQuery(e.subquery, visit, ctes);
  childExprs(e).forEach(rec);
}

export function validateQuery(q: Query): void {
  walkQuery(
    q,
    {
      table(ref, ctes) {
        if (ref.kind !== "table") return;
        const full = ref.database ? `${ref.database}.${ref.name}` : ref.name;
        if (!ref.database && ctes.has(ref.name)) return;
        if (ref.database || !publicTables.has(ref.name)) throw invalidTable(full);
      },
      call() {},
    },
    new Set(),
  );
  walkQuery(
    q,
    {
      table(ref) {
        if (ref.kind === "tableFunction") {
          throw invalidFunction(ref.name.toLowerCase());
        }
      },
      call(e) {
        const name = e.name.toLowerCase();
        if (!allowedFunctions.has(name)) throw invalidFunction(name);
      },
    },
    new Set(),
  );
}
