/** The real SDKs pointed at the emulators the console under test started (URLs from global setup). */
import { Unkey } from "@unkey/api";
import Stripe from "stripe";

export const SANDBOX = {
  unkeyRootKey: "unkey_sandbox_root",
  unkeyApiId: "api_sandbox",
  stripeSecretKey: "sk_test_sandbox",
};

export function unkey() {
  const serverURL = process.env.E2E_UNKEY_URL;
  if (!serverURL) throw new Error("E2E_UNKEY_URL is not set (global setup did not run?)");
  return new Unkey({ rootKey: SANDBOX.unkeyRootKey, serverURL, retryConfig: { strategy: "none" } });
}

export function stripe() {
  const url = process.env.E2E_STRIPE_URL;
  if (!url) throw new Error("E2E_STRIPE_URL is not set (global setup did not run?)");
  const u = new URL(url);
  return new Stripe(SANDBOX.stripeSecretKey, {
    host: u.hostname,
    port: u.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
}

export async function keyIdsOf(externalId: string): Promise<string[]> {
  const page = await unkey().apis.listKeys({ apiId: SANDBOX.unkeyApiId, externalId, limit: 100 });
  return page.result.data.map((k) => k.keyId);
}
