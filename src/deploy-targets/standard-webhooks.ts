// Signing per the Standard Webhooks specification (standardwebhooks.com): the signed content is
// `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 with the secret's bytes (base64 after the
// `whsec_` prefix), sent as `webhook-signature: v1,<base64>`.
import { createHmac, randomUUID } from "node:crypto";
import { InputError } from "../formats/errors.ts";

const PREFIX = "whsec_";

/** The secret's key bytes; `input` names the input in errors. */
export function webhookKey(secret: string, input = "webhook-secret"): Buffer {
  const base64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const fix =
    "Use a Standard Webhooks secret: 'whsec_' followed by base64 of 24 to 64 random bytes (e.g. `echo whsec_$(openssl rand -base64 32)`), stored as a secret.";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64))
    throw new InputError(input, "***", "is not base64 after 'whsec_'", fix);
  const key = Buffer.from(base64, "base64");
  if (key.length < 24 || key.length > 64) {
    throw new InputError(input, "***", `decodes to ${key.length} bytes`, fix);
  }
  return key;
}

export function sign(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Headers for one delivery. The id stays the same across retries of that delivery (receivers dedupe on
 * it: it is the idempotency key); the timestamp and signature are fresh on every attempt.
 */
export function signedHeaders(key: Buffer, id: string, body: string, now = Date.now()): SignedHeaders {
  const timestamp = Math.floor(now / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(key, id, timestamp, body),
  };
}

export function newWebhookId(): string {
  return `msg_${randomUUID().replaceAll("-", "")}`;
}
