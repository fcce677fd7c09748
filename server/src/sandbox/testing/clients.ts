/**
 * Test support: the real SDKs pointed at a running sandbox (Unkey with retries off, Stripe with
 * network retries off), a control API client, and readers that page through everything.
 */
import { Unkey } from "@unkey/api";
import type { KeyResponseData } from "@unkey/api/models/components";
import Stripe from "stripe";
import type { Sandbox } from "../index";

export type KeyData = KeyResponseData;

export function sdkClients(sb: Pick<Sandbox, "unkeyUrl" | "stripeUrl" | "credentials">) {
  const unkey = new Unkey({
    rootKey: sb.credentials.unkeyRootKey,
    serverURL: sb.unkeyUrl,
    retryConfig: { strategy: "none" },
  });
  const stripeUrl = new URL(sb.stripeUrl);
  const stripe = new Stripe(sb.credentials.stripeSecretKey, {
    host: stripeUrl.hostname,
    port: Number(stripeUrl.port),
    protocol: "http",
    maxNetworkRetries: 0,
  });
  return { unkey, stripe };
}

export async function control(
  baseUrl: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export async function allIdentities(unkey: Unkey) {
  const out = [];
  for await (const page of await unkey.identities.listIdentities({ limit: 100 }))
    out.push(...page.result.data);
  return out;
}

export async function allKeys(
  unkey: Unkey,
  apiId: string,
  externalId?: string,
): Promise<KeyData[]> {
  const out: KeyData[] = [];
  for await (const page of await unkey.apis.listKeys({
    apiId,
    limit: 100,
    ...(externalId ? { externalId } : {}),
  })) {
    out.push(...page.result.data);
  }
  return out;
}
