// Small HTTP helpers the checks share: one timed request and a readable reason when it fails.
export interface TimedResponse {
  status: number;
  text: string;
  ms: number;
}

export async function timedRequest(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<TimedResponse> {
  const started = performance.now();
  const response = await fetch(url, {
    method: init.method ?? "GET",
    ...(init.body !== undefined ? { body: init.body } : {}),
    headers: init.headers ?? {},
    signal: AbortSignal.timeout(Math.max(1, init.timeoutMs)),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

export function failureText(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timed out";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * The message to keep after a failed poll: a timeout (often the last poll, cut short by the deadline)
 * does not hide what the server said before it.
 */
export function keepLast(previous: string, current: string, initial = "no answer yet"): string {
  return current === "timed out" && previous !== initial && !previous.endsWith("then timed out")
    ? `${previous}, then timed out`
    : current === "timed out" && previous.endsWith("then timed out")
      ? previous
      : current;
}
