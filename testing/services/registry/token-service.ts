// The registry's token service, as ghcr.io runs one: `GET /token?service=…&scope=repository:<name>:pull,push`
// with Basic `actor:token` answers a JWT granting the requested actions the test allowed that user on that
// repository (fewer, or none, otherwise); unknown credentials get 401. Also the OAuth2 form docker's
// identity tokens use (`POST /token`, grant_type=refresh_token|password). The JWT is ES256-signed with a
// self-signed certificate carried in the `x5c` header, which docker-registry verifies against its
// `rootcertbundle` (the same certificate). docker-registry, not this service, enforces the scopes.
import { spawnSync } from "node:child_process";
import { randomUUID, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

export type Action = "pull" | "push";

export interface RegistryUser {
  username: string;
  password: string;
  /** Repository name (or prefix ending in `*`) → actions allowed there. */
  grants: Record<string, Action[]>;
  /** An OAuth2 refresh token for this user (docker config.json `identitytoken`). */
  identityToken?: string;
}

export interface TokenRequestLog {
  username: string | undefined;
  scopes: string[];
  granted: { name: string; actions: Action[] }[];
  status: number;
}

export interface SigningMaterial {
  keyPem: string;
  certPem: string;
  certPath: string;
}

/** A P-256 key and a self-signed certificate for it, made by openssl in `dir`. */
export function makeSigningMaterial(dir: string): SigningMaterial {
  const keyPath = join(dir, "token-key.pem");
  const certPath = join(dir, "token-cert.pem");
  const result = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "2",
      "-subj",
      "/CN=mlops-test-token-issuer",
    ],
    { encoding: "utf8" },
  );
  if (result.status !== 0)
    throw new Error(
      `openssl could not make the token certificate: ${result.stderr || result.error?.message}`,
    );
  return { keyPem: readFileSync(keyPath, "utf8"), certPem: readFileSync(certPath, "utf8"), certPath };
}

export const TOKEN_SERVICE = "mlops-test-registry";
export const TOKEN_ISSUER = "mlops-test-token-issuer";

export class TokenService {
  readonly users = new Map<string, RegistryUser>();
  readonly log: TokenRequestLog[] = [];
  /** Repositories anyone may pull without credentials (public packages). */
  readonly publicRepositories = new Set<string>();
  #expiredToIssue = 0;
  readonly #material: SigningMaterial;
  readonly #x5c: string;

  constructor(material: SigningMaterial) {
    this.#material = material;
    this.#x5c = new X509Certificate(material.certPem).raw.toString("base64");
  }

  addUser(user: RegistryUser): void {
    this.users.set(user.username, user);
  }

  /** The next `count` tokens are issued already expired (beyond the registry's 60 s leeway). */
  issueExpiredTokens(count: number): void {
    this.#expiredToIssue = count;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://token");
    let scopes = url.searchParams.getAll("scope");
    let user: RegistryUser | undefined;
    let username: string | undefined;
    let refused = false;
    if (req.method === "POST") {
      const form = new URLSearchParams(await readText(req));
      scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
      if (form.get("grant_type") === "refresh_token") {
        user = [...this.users.values()].find(
          (u) => u.identityToken !== undefined && u.identityToken === form.get("refresh_token"),
        );
      } else {
        user = this.#check(form.get("username") ?? "", form.get("password") ?? "");
        username = form.get("username") ?? undefined;
      }
      refused = user === undefined;
    } else {
      req.resume();
      const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
      if (basic) {
        const decoded = Buffer.from(basic[1] ?? "", "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        username = decoded.slice(0, colon);
        user = this.#check(username, decoded.slice(colon + 1));
        refused = user === undefined;
      }
    }
    username = user?.username ?? username;
    if (refused) {
      this.log.push({ username, scopes, granted: [], status: 401 });
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const granted = scopes.map((scope) => this.#grant(scope, user)).filter((g) => g !== undefined);
    this.log.push({ username, scopes, granted, status: 200 });
    const token = this.#sign(username ?? "", granted);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  }

  #check(username: string, password: string): RegistryUser | undefined {
    const user = this.users.get(username);
    return user !== undefined && user.password === password ? user : undefined;
  }

  #grant(scope: string, user: RegistryUser | undefined): { name: string; actions: Action[] } | undefined {
    const parts = scope.split(":");
    if (parts.length < 3 || parts[0] !== "repository") return undefined;
    const name = parts.slice(1, -1).join(":");
    const wanted = (parts.at(-1) ?? "").split(",");
    const allowed = new Set<Action>(this.publicRepositories.has(name) ? ["pull"] : []);
    for (const [pattern, actions] of Object.entries(user?.grants ?? {})) {
      if (pattern === name || (pattern.endsWith("*") && name.startsWith(pattern.slice(0, -1)))) {
        for (const action of actions) allowed.add(action);
      }
    }
    return { name, actions: wanted.filter((a): a is Action => allowed.has(a as Action)) };
  }

  #sign(subject: string, access: { name: string; actions: Action[] }[]): string {
    const now = Math.floor(Date.now() / 1000);
    const expired = this.#expiredToIssue > 0;
    if (expired) this.#expiredToIssue--;
    const exp = expired ? now - 600 : now + 300;
    const header = { typ: "JWT", alg: "ES256", x5c: [this.#x5c] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: subject,
      aud: TOKEN_SERVICE,
      exp,
      nbf: expired ? now - 900 : now - 10,
      iat: expired ? now - 900 : now,
      jti: randomUUID(),
      access: access.map((a) => ({ type: "repository", name: a.name, actions: a.actions })),
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign("sha256", Buffer.from(input), {
      key: this.#material.keyPem,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${signature.toString("base64url")}`;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
