/**
 * Stripe's v1 wire format: `application/x-www-form-urlencoded` with bracketed keys for nesting
 * (`recurring[interval]=month`), indexed arrays (`items[0][price]=price_1`) and push arrays
 * (`expand[]=customer`). GET query strings use the same encoding. Every leaf arrives as a string;
 * the per-endpoint schemas (params.ts) turn them into numbers and booleans.
 */
import { StripeError } from "./errors";

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormParams = { [key: string]: FormValue };

/** Keys whose children are free-form string maps: `metadata[0]=x` is a key "0", not an array. */
const MAP_KEYS = new Set(["metadata", "payload"]);

interface Node {
  children: Map<string, Node | string>;
  /** Set when the node received a `[]` push, so it must become an array. */
  pushed: boolean;
}

const newNode = (): Node => ({ children: new Map(), pushed: false });

function splitKey(raw: string): string[] {
  const open = raw.indexOf("[");
  if (open <= 0) return [raw];
  const parts = [raw.slice(0, open)];
  const re = /\[([^\]]*)\]/gy;
  re.lastIndex = open;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw)) !== null) {
    parts.push(m[1] ?? "");
    if (re.lastIndex === raw.length) return parts;
  }
  // Unbalanced brackets: Stripe treats the whole thing as an (unknown) flat key.
  return [raw];
}

function insert(root: Node, key: string, value: string): void {
  const parts = splitKey(key);
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i] ?? "";
    const last = i === parts.length - 1;
    if (part === "" && i > 0) {
      node.pushed = true;
      part = String(node.children.size);
    }
    if (last) {
      if (node.children.get(part) instanceof Object) {
        throw new StripeError(400, {
          message: `Invalid value for ${parts[0]}: mixes a value and nested fields.`,
          param: key,
        });
      }
      node.children.set(part, value);
      return;
    }
    const existing = node.children.get(part);
    if (typeof existing === "string") {
      throw new StripeError(400, {
        message: `Invalid value for ${parts[0]}: mixes a value and nested fields.`,
        param: key,
      });
    }
    const next = existing ?? newNode();
    node.children.set(part, next);
    node = next;
  }
}

function materialize(node: Node, key: string | undefined): FormValue {
  const entries = [...node.children.entries()];
  const isIndexed =
    key !== undefined &&
    !MAP_KEYS.has(key) &&
    entries.length > 0 &&
    entries.every(([k]) => /^\d+$/.test(k));
  if (node.pushed || isIndexed) {
    // Indices may be sparse or unordered (`items[1]` before `items[0]`); order is by index.
    return entries
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([k, v]) => (typeof v === "string" ? v : materialize(v, k)));
  }
  const out: { [k: string]: FormValue } = {};
  for (const [k, v] of entries) out[k] = typeof v === "string" ? v : materialize(v, k);
  return out;
}

/** Decode form pairs (a body or a query string) into nested params. */
export function decodeForm(input: string | URLSearchParams): FormParams {
  const pairs = typeof input === "string" ? new URLSearchParams(input) : input;
  const root = newNode();
  for (const [k, v] of pairs) insert(root, k, v);
  const out = materialize(root, undefined);
  return Array.isArray(out) || typeof out === "string" ? {} : out;
}

function encodeValue(key: string, value: unknown, out: string[]): void {
  const push = (text: string) => out.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  ) {
    push(String(value));
    return;
  }
  // The SDK sends null as an empty value (which clears emptyable fields).
  if (value === null) {
    push("");
    return;
  }
  if (typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => encodeValue(`${key}[${i}]`, v, out));
    return;
  }
  for (const [k, v] of Object.entries(value)) encodeValue(`${key}[${k}]`, v, out);
}

/** Encode params the way the stripe SDK does (indexed arrays, bracketed objects, null as ""). */
export function encodeForm(params: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(params)) encodeValue(k, v, out);
  return out.join("&");
}
