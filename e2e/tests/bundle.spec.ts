import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../client/dist");

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

test("the built client bundle contains no sandbox or live secret", () => {
  const secrets = [
    "unkey_sandbox_root",
    "sk_test_sandbox",
    process.env.UNKEY_ROOT_KEY,
    process.env.STRIPE_SECRET_KEY,
  ].filter((s): s is string => !!s);
  const all = files(dist);
  expect(all.some((f) => f.endsWith(".js"))).toBe(true);
  for (const file of all) {
    const text = fs.readFileSync(file, "utf8");
    for (const secret of secrets)
      expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
    // Stripe secret and Unkey root key shapes, whatever their value.
    expect({ file, match: /\bsk_(live|test)_[A-Za-z0-9]{8,}/.exec(text)?.[0] ?? null }).toEqual({
      file,
      match: null,
    });
  }
});
