/**
 * The verifyKey `permissions` query: permission names combined with AND / OR and parentheses.
 * A key permission ending in `*` grants everything under that prefix (`documents.*`).
 */
import { UnkeyApiError } from "./errors";

const SYNTAX_ERROR =
  "https://unkey.com/docs/errors/user/bad_request/permissions_query_syntax_error";

type Node = { op: "and" | "or"; left: Node; right: Node } | { op: "perm"; name: string };

function syntaxError(message: string): UnkeyApiError {
  return new UnkeyApiError(400, SYNTAX_ERROR, `Syntax error in permission query: ${message}`, [
    {
      location: "body.permissions",
      message,
      fix: "Check your query syntax. AND/OR operators must be between permissions, not at the start or end",
    },
  ]);
}

export function parsePermissionQuery(query: string): Node {
  const tokens = query.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const expr = (): Node => {
    let left = term();
    while (peek()?.toUpperCase() === "OR") {
      i++;
      left = { op: "or", left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = factor();
    while (peek()?.toUpperCase() === "AND") {
      i++;
      left = { op: "and", left, right: factor() };
    }
    return left;
  };
  const factor = (): Node => {
    const t = tokens[i++];
    if (t === undefined) throw syntaxError("unexpected end of query");
    if (t === "(") {
      const inner = expr();
      if (tokens[i++] !== ")") throw syntaxError(`expected ')' at token ${i}`);
      return inner;
    }
    if (t === ")" || t.toUpperCase() === "AND" || t.toUpperCase() === "OR") {
      throw syntaxError(`unexpected token '${t}' at position ${i}`);
    }
    if (!/^[a-zA-Z0-9_:\-.*]+$/.test(t)) throw syntaxError(`invalid permission name '${t}'`);
    return { op: "perm", name: t };
  };
  const root = expr();
  if (i < tokens.length) throw syntaxError(`unexpected token '${tokens[i]}' at position ${i + 1}`);
  return root;
}

function grants(held: string, wanted: string): boolean {
  if (held === wanted) return true;
  return held.endsWith("*") && wanted.startsWith(held.slice(0, -1));
}

export function evaluatePermissionQuery(node: Node, held: string[]): boolean {
  switch (node.op) {
    case "perm":
      return held.some((h) => grants(h, node.name));
    case "and":
      return evaluatePermissionQuery(node.left, held) && evaluatePermissionQuery(node.right, held);
    case "or":
      return evaluatePermissionQuery(node.left, held) || evaluatePermissionQuery(node.right, held);
  }
}
