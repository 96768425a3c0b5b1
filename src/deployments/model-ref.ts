// `model` references: `<model>@<version>`, `<model>@<alias>`, `<model>@sha256:<digest>`, and the
// interface deploy resolves them through (the OCI registry client implements it).
import { InputError } from "../formats/errors.ts";

export type ModelRef =
  | { name: string; kind: "version"; version: string }
  | { name: string; kind: "alias"; alias: string }
  | { name: string; kind: "digest"; digest: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VERSION = /^v\d+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;

/** Parses `text` (the `model` input); `defaultName` fills a bare `@<...>` or an empty name. */
export function parseModelRef(text: string, input = "model"): ModelRef {
  const at = text.indexOf("@");
  const fix =
    "Use '<model>@<version>' (e.g. iris@v3), '<model>@<alias>' (e.g. iris@staging) or '<model>@sha256:<64 hex digits>'.";
  if (at < 0) throw new InputError(input, text, "has no '@'", fix);
  const name = text.slice(0, at);
  const rest = text.slice(at + 1);
  if (!NAME.test(name))
    throw new InputError(input, text, `names an invalid model ${JSON.stringify(name)}`, fix);
  if (rest.startsWith("sha256:")) {
    if (!DIGEST.test(rest)) throw new InputError(input, text, "has a malformed digest", fix);
    return { name, kind: "digest", digest: rest };
  }
  if (VERSION.test(rest)) return { name, kind: "version", version: rest };
  if (ALIAS.test(rest)) return { name, kind: "alias", alias: rest };
  throw new InputError(input, text, "has neither a version, an alias nor a digest after '@'", fix);
}

export function formatModelRef(ref: ModelRef): string {
  const tail = ref.kind === "version" ? ref.version : ref.kind === "alias" ? ref.alias : ref.digest;
  return `${ref.name}@${tail}`;
}

export interface ResolvedModel {
  /** sha256:… of the model's manifest: what the deployment records, never an alias. */
  digest: string;
  /** v<N> */
  version: string;
  /** Where the target fetches it from, pinned by digest (e.g. oci://ghcr.io/o/iris@sha256:…). */
  uri: string;
}

/** What deploy needs from a model registry. The OCI client (src/registry/oci) implements it. */
export interface ModelResolver {
  /** Resolves a reference; throws a ConfigurationError naming the reference when the registry lacks it. */
  resolve(ref: ModelRef): Promise<ResolvedModel>;
  /** Pulls the model's files to `dir` and verifies them against `digest`. */
  pull(name: string, digest: string, dir: string): Promise<void>;
  /** Points `alias` of model `name` at `digest` (after every check passed; never on failure). */
  moveAlias(name: string, alias: string, digest: string): Promise<void>;
}
