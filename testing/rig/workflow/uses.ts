// What a `uses:` value names. This repository's actions and reusable workflows are found under every
// spelling a workflow may use for them; anything else is a third-party action that needs a stand-in.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const projectRoot = resolve(import.meta.dirname, "../../..");

export type UsesTarget =
  /** An action of this repository (JavaScript or composite): the directory of its action.yml. */
  | { kind: "action"; dir: string }
  /** A reusable workflow of this repository. */
  | { kind: "workflow"; file: string }
  /** A third-party action, by "owner/repo" (lower case), with the ref it was pinned to. */
  | { kind: "third-party"; name: string; ref: string };

/** Our repository's name: `<any owner>/mlops-actions/…@ref` is this repository at any ref. */
const ownRepository = /^[\w.-]+\/mlops-actions(?<path>\/[^@]*)?@(?<ref>.+)$/i;

/**
 * Resolve `uses:`. This repository is `$/…` (the self-repository reference), `./…` (the workspace on a
 * real runner; here always this repository, since tests check out examples, not this repository) and
 * `<owner>/mlops-actions/…@<ref>` (as the templates spell it).
 */
export function resolveUses(uses: string): UsesTarget {
  const value = uses.trim();
  if (value.startsWith("docker://")) {
    throw new Error(`uses: ${value}: Docker actions are not supported by the rig (no Docker engine here).`);
  }
  let local: string | undefined;
  if (value.startsWith("$/")) local = value.slice(2);
  else if (value === "." || value.startsWith("./")) local = value.slice(1).replace(/^\/+/, "");
  else {
    const own = ownRepository.exec(value);
    if (own?.groups !== undefined) local = (own.groups.path ?? "").replace(/^\/+/, "");
  }
  if (local !== undefined) return localTarget(uses, local);
  const match = /^(?<owner>[\w.-]+)\/(?<repo>[\w.-]+)(?:\/[^@]*)?@(?<ref>.+)$/.exec(value);
  if (match?.groups === undefined) {
    throw new Error(`uses: '${uses}' is neither this repository's action nor '<owner>/<repo>[/path]@<ref>'.`);
  }
  return {
    kind: "third-party",
    name: `${String(match.groups.owner)}/${String(match.groups.repo)}`.toLowerCase(),
    ref: String(match.groups.ref),
  };
}

function localTarget(uses: string, relative: string): UsesTarget {
  const path = resolve(projectRoot, relative);
  if (/\.ya?ml$/.test(relative)) {
    if (!/(?:^|\/)\.github\/workflows\/[^/]+$/.test(relative)) {
      throw new Error(`uses: '${uses}': reusable workflows must live directly in .github/workflows/.`);
    }
    if (!existsSync(path)) throw new Error(`uses: '${uses}': ${path} does not exist.`);
    return { kind: "workflow", file: path };
  }
  if (!existsSync(join(path, "action.yml")) && !existsSync(join(path, "action.yaml"))) {
    throw new Error(`uses: '${uses}': no action.yml in ${path}.`);
  }
  return { kind: "action", dir: path };
}
