// Fault injection and hold points, both keyed by "METHOD /path/template" (see routes.ts).
import { ROUTES, routeKey } from "./routes.ts";

export type FaultSpec = {
  route: string;
  /** How many matching requests it hits (default 1). */ times?: number;
} & (
  | { kind: "status"; status: number }
  /** 403 with `retry-after` and GitHub's secondary-rate-limit message. */
  | { kind: "secondary-rate-limit"; retryAfterSeconds?: number }
  /** Primary rate limit: 403 (or 429) with x-ratelimit-remaining: 0 and x-ratelimit-reset. */
  | { kind: "rate-limit"; status?: 403 | 429; resetInSeconds?: number }
  /** Delays the request before it is handled. */
  | { kind: "slow"; delayMs: number }
  /** Sends the headers and half the body, then destroys the socket. */
  | { kind: "reset" }
  /** Closes the connection before handling the request or answering (the client sees ECONNRESET). */
  | { kind: "drop" }
  /**
   * Release asset uploads only: answers 502 and leaves the asset in state `starter` (size 0, no digest),
   * as GitHub does after a failed upload; the name stays taken until the asset is deleted.
   */
  | { kind: "failed-upload" }
);

/** The route `failed-upload` faults apply to. */
export const UPLOAD_ROUTE = "POST /repos/{owner}/{repo}/releases/{release_id}/assets";

const KNOWN_ROUTES = new Set(ROUTES.map(routeKey));

function assertKnown(route: string): void {
  if (!KNOWN_ROUTES.has(route)) {
    throw new Error(
      `"${route}" is not a route the GitHub double serves; use "METHOD /path/template" from routes.ts`,
    );
  }
}

export class Faults {
  private readonly pending: { spec: FaultSpec; remaining: number }[] = [];

  add(spec: FaultSpec): void {
    assertKnown(spec.route);
    if (spec.kind === "failed-upload" && spec.route !== UPLOAD_ROUTE)
      throw new Error(`A failed-upload fault applies to "${UPLOAD_ROUTE}" only, not "${spec.route}"`);
    this.pending.push({ spec, remaining: spec.times ?? 1 });
  }

  /** The next fault for this route, consuming one of its `times`. */
  take(route: string): FaultSpec | undefined {
    const entry = this.pending.find((f) => f.spec.route === route && f.remaining > 0);
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.spec;
  }

  /** Faults not (fully) used yet: a test can assert its faults were hit. */
  unused(): FaultSpec[] {
    return this.pending.filter((f) => f.remaining > 0 && f.remaining !== Infinity).map((f) => f.spec);
  }

  clear(): void {
    this.pending.length = 0;
  }
}

export interface HeldRequest {
  method: string;
  url: string;
  body: string;
}

export interface Hold {
  /** Resolves when a matching request has arrived and is being held. */
  reached: Promise<HeldRequest>;
  /** Lets the held request continue (or, if none arrived yet, lets the next one pass at once). */
  release(): void;
}

export class Holds {
  private readonly waiting: { route: string; arrived: (r: HeldRequest) => void; released: Promise<void> }[] =
    [];
  private readonly all = new Set<() => void>();

  hold(route: string): Hold {
    assertKnown(route);
    let arrived!: (r: HeldRequest) => void;
    let release!: () => void;
    const reached = new Promise<HeldRequest>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.all.add(release);
    this.waiting.push({ route, arrived, released });
    return { reached, release };
  }

  /** Waits if a hold is set on this route (the first unused hold takes the request). */
  async pass(route: string, request: HeldRequest): Promise<void> {
    const index = this.waiting.findIndex((h) => h.route === route);
    if (index < 0) return;
    const [hold] = this.waiting.splice(index, 1);
    if (!hold) return;
    hold.arrived(request);
    await hold.released;
  }

  /** Releases everything (on close, so no request hangs). */
  releaseAll(): void {
    for (const release of this.all) release();
    this.all.clear();
    this.waiting.length = 0;
  }
}
