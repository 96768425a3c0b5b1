// The webhook target: one signed POST (Standard Webhooks) to the user's deploy receiver. 5xx, 408, 429,
// network failures and attempt timeouts are retried with backoff under the same webhook-id (the
// receiver's idempotency key) — unless the 5xx carries the receiver's own 'failed' verdict. A 409 replay
// naming our own webhook-id is read as the state of the deploy that id started. A 202 names a status
// URL that is polled until it reports an end or the `webhook-timeout` passes. The body never holds a
// token.
import { setTimeout as sleep } from "node:timers/promises";
import { failureText, keepLast } from "../deploy-checks/http.ts";
import { newWebhookId, signedHeaders } from "./standard-webhooks.ts";
import { TargetFailed, type DeployRequest, type DeployTarget, type TargetOutcome } from "./target.ts";

export interface WebhookOptions {
  url: string;
  key: Buffer;
  /** Whole budget: delivery, retries and polling. */
  timeoutMs: number;
  /** One request's budget (default: 30 s, capped by what is left of timeoutMs). */
  attemptTimeoutMs?: number;
  /** Deliveries tried at most (default 5). */
  attempts?: number;
  /** First backoff delay; doubles each retry (default 500 ms). */
  backoffMs?: number;
  /** Poll interval of a 202's status URL (default 1 s). */
  pollMs?: number;
  log?: (line: string) => void;
}

/**
 * What a receiver pulls: `<registry>/<repository>@<digest>` from the model's `oci://…:<version>` URI, so
 * that it fetches by digest, never by a tag that may have moved since deploy resolved it.
 */
export function pullReference(uri: string, digest: string): string {
  const name = uri.replace(/^oci:\/\//, "").replace(/@sha256:[0-9a-f]+$/, "");
  const lastSlash = name.lastIndexOf("/");
  const tagAt = name.indexOf(":", lastSlash + 1);
  return `${tagAt === -1 ? name : name.slice(0, tagAt)}@${digest}`;
}

/** The JSON a receiver gets, in the Standard Webhooks envelope `{type, timestamp, data}`. */
export function webhookBody(request: DeployRequest, now = new Date()): string {
  return JSON.stringify({
    type: request.rollback ? "model.rollback" : "model.deploy",
    timestamp: now.toISOString(),
    data: {
      model: request.model.name,
      uri: request.model.uri,
      digest: request.model.digest,
      reference: pullReference(request.model.uri, request.model.digest),
      version: request.model.version,
      environment: request.environment,
      deployment_id: request.deploymentId,
      rollback: request.rollback,
    },
  });
}

type StatusBody = { status?: unknown; state?: unknown; message?: unknown; reason?: unknown };

const RETRIED = (status: number): boolean => status >= 500 || status === 408 || status === 429;
const DONE_STATES = new Set(["succeeded", "success", "ready", "done", "completed"]);
const FAILED_STATES = new Set(["failed", "failure", "error", "cancelled"]);

export class WebhookTarget implements DeployTarget {
  readonly name = "webhook";
  readonly needsFiles = false;
  private readonly options: WebhookOptions;
  constructor(options: WebhookOptions) {
    this.options = options;
  }

  async deploy(request: DeployRequest): Promise<TargetOutcome> {
    const deadline = Date.now() + this.options.timeoutMs;
    const body = webhookBody(request);
    const id = newWebhookId();
    const response = await this.deliver(id, body, deadline);
    if (response.status !== 202) return { detail: `HTTP ${response.status} (webhook-id ${id})` };
    const statusUrl = statusUrlOf(response, this.options.url);
    if (!statusUrl)
      throw new TargetFailed(
        `The webhook answered 202 without a status URL (a Location header or a JSON 'status_url'), so deploy cannot tell when it is done.`,
      );
    return this.poll(statusUrl, deadline, id);
  }

  private async deliver(
    id: string,
    body: string,
    deadline: number,
  ): Promise<{ status: number; headers: Headers; json: unknown }> {
    const attempts = this.options.attempts ?? 5;
    let delay = this.options.backoffMs ?? 500;
    let last = "";
    let tried = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      tried = attempt;
      try {
        const response = await fetch(this.options.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...signedHeaders(this.options.key, id, body) },
          body,
          signal: AbortSignal.timeout(Math.min(this.options.attemptTimeoutMs ?? 30_000, left)),
        });
        const text = await response.text();
        const answer = { status: response.status, headers: response.headers, json: parseJson(text) };
        if (response.ok) return answer;
        const own = ownDeploy(answer, id);
        if (own) return own;
        const verdict = statusOf(answer.json);
        last = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
        // A 5xx whose body is the receiver's own 'failed' verdict is an answer, not an outage: a retry
        // under the same webhook-id would only be refused as a replay (409) and hide the reason.
        if (RETRIED(response.status) && verdict.state && FAILED_STATES.has(verdict.state)) {
          throw new TargetFailed(
            `The deploy receiver reported '${verdict.state}' (HTTP ${response.status})${verdict.message}.`,
          );
        }
        if (!RETRIED(response.status)) {
          const hint =
            response.status === 401 || response.status === 403
              ? " Check that 'webhook-secret' is the secret the receiver verifies with."
              : "";
          throw new TargetFailed(`The webhook ${this.options.url} refused the deploy: ${last}.${hint}`);
        }
      } catch (error) {
        if (error instanceof TargetFailed) throw error;
        last = failureText(error);
      }
      this.options.log?.(`Webhook attempt ${attempt}/${attempts} failed (${last}).`);
      if (attempt < attempts) await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
      delay *= 2;
    }
    throw new TargetFailed(
      `The webhook ${this.options.url} did not take the deploy within ${tried} attempt(s) and webhook-timeout (${this.options.timeoutMs / 1000} s) (last: ${last}).`,
    );
  }

  private async poll(statusUrl: string, deadline: number, id: string): Promise<TargetOutcome> {
    const interval = this.options.pollMs ?? 1000;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      try {
        const response = await fetch(statusUrl, {
          signal: AbortSignal.timeout(Math.max(1, Math.min(10_000, deadline - Date.now()))),
        });
        const { state, message } = statusOf(parseJson(await response.text()));
        if (response.ok && state && DONE_STATES.has(state))
          return { detail: `202, then ${state} at ${statusUrl} (webhook-id ${id})` };
        if (state && FAILED_STATES.has(state))
          throw new TargetFailed(`The deploy receiver reported '${state}'${message} (${statusUrl}).`);
        last = `HTTP ${response.status}${state ? `, status ${state}` : ""}`;
      } catch (error) {
        if (error instanceof TargetFailed) throw error;
        last = keepLast(last, failureText(error));
      }
      await sleep(Math.max(0, Math.min(interval, deadline - Date.now())));
    }
    throw new TargetFailed(
      `The deploy did not finish within webhook-timeout (${this.options.timeoutMs / 1000} s); the status URL ${statusUrl} last said: ${last}.`,
    );
  }
}

/** A status body's state and message: `status`/`message`, or `state`/`reason` as examples/serving names them. */
function statusOf(json: unknown): { state: string | undefined; message: string } {
  const body = (json ?? {}) as StatusBody;
  const rawState = body.status ?? body.state;
  const rawMessage = body.message ?? body.reason;
  return {
    state: typeof rawState === "string" ? rawState.toLowerCase() : undefined,
    message: typeof rawMessage === "string" && rawMessage ? `: ${rawMessage}` : "",
  };
}

/**
 * A 409 (replay) whose body is the status of the deploy this very webhook-id started — our earlier attempt
 * reached the receiver but its answer did not reach us. Read as the answer that attempt would have had:
 * done is 200, failed is the receiver's reason, still running is a 202 to poll.
 */
function ownDeploy(answer: { status: number; headers: Headers; json: unknown }, id: string) {
  const body = answer.json as { webhookId?: unknown; webhook_id?: unknown } | undefined;
  if (answer.status !== 409 || (body?.webhookId ?? body?.webhook_id) !== id) return undefined;
  const { state, message } = statusOf(answer.json);
  if (state && DONE_STATES.has(state)) return { ...answer, status: 200 };
  if (state && FAILED_STATES.has(state))
    throw new TargetFailed(`The deploy receiver reported '${state}'${message} (webhook-id ${id}).`);
  return { ...answer, status: 202 };
}

/** A 202's status URL, resolved against the webhook URL; it must stay on the webhook's origin. */
export function statusUrlOf(
  response: { headers: Headers; json: unknown },
  webhookUrl: string,
): string | undefined {
  const json = response.json as { status_url?: unknown; statusUrl?: unknown } | undefined;
  const fromBody = json?.status_url ?? json?.statusUrl;
  const raw = response.headers.get("location") ?? (typeof fromBody === "string" ? fromBody : undefined);
  if (!raw) return undefined;
  const url = new URL(raw, webhookUrl);
  if (url.origin !== new URL(webhookUrl).origin) {
    throw new TargetFailed(
      `The webhook's status URL ${url.href} is on another origin than ${webhookUrl}; deploy only polls the receiver's own origin.`,
    );
  }
  return url.href;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
