// Registry authentication as ghcr.io, Docker Hub, ECR, GAR and docker-registry do it: a request answered
// 401 with `WWW-Authenticate: Bearer realm=…,service=…` is repeated with a token fetched from the realm
// (`GET realm?service&scope=repository:<repo>:pull,push` with Basic credentials, or an OAuth2 POST for an
// identity token); `Basic realm=…` registries get the credentials themselves. A token refused later (401:
// expired or revoked) is fetched again once.
import { ConfigurationError } from "../../formats/errors.ts";
import type { Credentials } from "./credentials.ts";
import { header, send, type HttpResponse } from "./http.ts";
import { isLoopbackHost } from "./location.ts";

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/r:pull"` → parts. */
export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(value);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const part of (match[2] ?? "").matchAll(pattern)) {
    params[(part[1] ?? "").toLowerCase()] = (part[2] ?? part[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme: (match[1] ?? "").toLowerCase(), params };
}

/** A registry refused the credential itself (not a permission on one repository). */
export class CredentialError extends ConfigurationError {
  override readonly name = "CredentialError";
}

export class Authenticator {
  readonly #credentials: Credentials | undefined;
  readonly #host: string;
  #basic = false;
  readonly #tokens = new Map<string, string>();
  /** Token requests made (for tests and logs). */
  tokenRequests = 0;

  constructor(host: string, credentials: Credentials | undefined) {
    this.#host = host;
    this.#credentials = credentials;
  }

  /** The Authorization header for a request needing these scopes, if one is known yet. */
  authorization(scopes: readonly string[]): string | undefined {
    if (this.#basic) return this.#basicHeader();
    const token = this.#tokens.get(scopes.join(" ")) ?? this.#covering(scopes);
    return token === undefined ? undefined : `Bearer ${token}`;
  }

  /** After a 401: learn the scheme and fetch a (new) token. False when there is nothing new to try. */
  async answer(response: HttpResponse, scopes: readonly string[]): Promise<boolean> {
    const challenge = parseChallenge(header(response.headers, "www-authenticate"));
    if (challenge?.scheme === "basic") {
      if (this.#credentials?.password === undefined || this.#basic) return false;
      this.#basic = true;
      return true;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) return false;
    this.#tokens.set(scopes.join(" "), await this.#fetchToken(challenge.params, scopes));
    return true;
  }

  #covering(scopes: readonly string[]): string | undefined {
    // A pull,push token of a repository also serves its pulls.
    if (scopes.length !== 1 || !scopes[0]?.endsWith(":pull")) return undefined;
    return this.#tokens.get(`${scopes[0]},push`);
  }

  #basicHeader(): string | undefined {
    const c = this.#credentials;
    if (c?.password === undefined) return undefined;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  }

  async #fetchToken(params: Record<string, string>, scopes: readonly string[]): Promise<string> {
    const realm = new URL(params.realm ?? "");
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && isLoopbackHost(realm.hostname))) {
      throw new ConfigurationError(
        `Registry ${this.#host} sends its token realm to ${realm.origin} over plain http; refusing to send credentials there.`,
      );
    }
    this.tokenRequests++;
    const credentials = this.#credentials;
    let response: HttpResponse;
    if (credentials?.identityToken !== undefined) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credentials.identityToken,
        client_id: "mlops-actions",
        ...(params.service ? { service: params.service } : {}),
        scope: scopes.join(" "),
      });
      response = await send({
        method: "POST",
        url: realm,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: Buffer.from(form.toString()),
      });
    } else {
      const url = new URL(realm);
      if (params.service) url.searchParams.set("service", params.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      const basic = this.#basicHeader();
      response = await send({ method: "GET", url, headers: basic ? { authorization: basic } : {} });
    }
    const text = await response.text(64 * 1024);
    if (response.status === 401 || response.status === 403) {
      throw new CredentialError(
        credentials === undefined
          ? `Registry ${this.#host} wants credentials (its token service answered ${response.status}: ${brief(text)}). Pass registry-username and registry-password, log in with docker/login-action, or for ghcr.io give github-token.`
          : `Registry ${this.#host} refused the credentials from ${credentials.source} (user ${JSON.stringify(credentials.username)}; token service answered ${response.status}: ${brief(text)}). Check that credential, or pass others through registry-username and registry-password.`,
      );
    }
    if (response.status !== 200) {
      throw new Error(
        `Token service ${realm.origin}${realm.pathname} answered ${response.status}: ${brief(text)}`,
      );
    }
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`Token service ${realm.origin}${realm.pathname} answered without a token`);
    return token;
  }
}

export function brief(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine || "(no body)";
}
