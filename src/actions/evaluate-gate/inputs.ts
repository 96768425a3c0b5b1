// evaluate-gate's inputs, read and checked once. Names match actions/evaluate-gate/action.yml.
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { setSecret } from "@actions/core";
import { actionInputs } from "../../lib/action.ts";
import { InputError } from "../../formats/errors.ts";
import { checkedPath, pathRoots, type PathRoots } from "../../workspace/paths.ts";
import { FAIL_ON_VALUES, type FailOn } from "../../verdict/report.ts";
import { defaultModelName } from "../../lib/run-context.ts";
import { parseRegistryInputs, type RegistryInputs } from "../../registry/registry-inputs.ts";

export type BaselineSpec =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "file"; path: string }
  | { kind: "branch"; branch: string }
  | { kind: "run"; runId: number }
  /** `registry:<model>@<alias|version>`: the run record layer of that version in the OCI registry. */
  | { kind: "registry"; model: string; reference: string };

/** Text given inline, or read from a file when the input names one. */
export interface TextInput {
  text: string;
  /** Workspace-relative path when the text came from a file (annotations point there). */
  file?: string;
}

export interface GateInputs {
  /** Path or glob, relative to the workspace; default: $MLOPS_RUN_RECORD. */
  candidate: string;
  baseline: BaselineSpec;
  /** registry-url has no default here (existing gates must not start calling GHCR): only MLOPS_REGISTRY_URL. */
  registry: RegistryInputs;
  rules: TextInput;
  directions: TextInput;
  rankBy: string | undefined;
  failOn: FailOn;
  requireBaseline: boolean;
  comment: "auto" | "always" | "never";
  commentKey: string | undefined;
  checkRun: boolean;
  mode: "gate" | "post-from-artifact";
  /**
   * In post-from-artifact mode, the one model a pull request's artifact may name: the model name decides
   * which artifacts and registry versions are the baseline, so it comes from the trusted workflow.
   */
  companionModel: string;
  token: string;
  workspace: string;
  /** Where candidate, baseline and rule files may lead (src/workspace/paths.ts). */
  pathRoots: PathRoots;
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): GateInputs {
  const inputs = actionInputs();
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const roots = pathRoots(env, inputs.lines("path-roots"));
  const mode = inputs.choice("mode", ["gate", "post-from-artifact"], "gate");
  const candidate = inputs.optional("candidate") ?? env.MLOPS_RUN_RECORD ?? "";
  if (mode === "gate" && candidate === "") {
    throw new InputError(
      "candidate",
      "",
      "is empty and MLOPS_RUN_RECORD is not set",
      "Run train-model earlier in this job, or give the path (or glob) of run records or metrics files.",
    );
  }
  const commentKey = inputs.optional("comment-key");
  if (commentKey !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(commentKey)) {
    throw new InputError(
      "comment-key",
      commentKey,
      "is not a valid key",
      "Use letters, digits, '.', '_', '/' and '-' (at most 100).",
    );
  }
  const token = inputs.optional("github-token") ?? "";
  // The runner masks github.token and secrets; a token passed some other way is masked here too.
  if (token !== "") setSecret(token);
  const rules = textOrFile("rules", inputs.optional("rules") ?? "", workspace, roots);
  if (mode === "post-from-artifact" && rules.text.trim() === "") {
    // The fork's own rules are in its artifact, but the companion never uses them: it judges by these.
    throw new InputError(
      "rules",
      rules.text,
      "is empty, and mode: post-from-artifact judges the pull request's metrics by its own rules",
      "Pass the same rules as the PR workflow, best from one file in the repository (e.g. `rules: .github/gate-rules.txt`, with the default branch checked out).",
    );
  }
  const baseline = parseBaseline(inputs.string("baseline", "auto"));
  if (baseline.kind === "file") checkedPath("baseline", baseline.path, workspace, roots);
  const registry = parseRegistryInputs(inputs, {
    defaultUrl: env.MLOPS_REGISTRY_URL?.trim() || undefined,
    available: ["oci", "github-release"],
  });
  if (registry.password !== undefined) setSecret(registry.password);
  if (baseline.kind === "registry" && registry.kind === "oci" && registry.url === undefined) {
    throw new InputError(
      "registry-url",
      "",
      `is empty (and MLOPS_REGISTRY_URL is not set), so 'baseline: registry:${baseline.model}@${baseline.reference}' has no registry to read`,
      "Give registry-url, e.g. ghcr.io/<owner>/<repo> (the reading job needs 'permissions: packages: read').",
    );
  }
  return {
    candidate,
    baseline,
    registry,
    rules,
    directions: textOrFile("directions", inputs.optional("directions") ?? "", workspace, roots),
    rankBy: inputs.optional("rank-by"),
    failOn: inputs.choice("fail-on", FAIL_ON_VALUES, "error"),
    requireBaseline: inputs.boolean("require-baseline", false),
    comment: inputs.choice("comment", ["auto", "always", "never"], "auto"),
    commentKey,
    checkRun: inputs.boolean("check-run", false),
    mode,
    companionModel: inputs.optional("model-name") ?? defaultModelName(env, "."),
    token,
    workspace,
    pathRoots: roots,
  };
}

function parseBaseline(value: string): BaselineSpec {
  const fix = "Use auto, none, file:<path>, branch:<name>, run:<id> or registry:<model>@<alias|version>.";
  if (value === "auto" || value === "none") return { kind: value };
  const match = /^(file|branch|run|registry):(.+)$/.exec(value);
  if (!match?.[2]) throw new InputError("baseline", value, "is not a baseline source", fix);
  const rest = match[2].trim();
  switch (match[1]) {
    case "file":
      return { kind: "file", path: rest };
    case "registry": {
      const named =
        /^([a-z0-9]+(?:[._/-]+[a-z0-9]+)*)@([A-Za-z0-9_][A-Za-z0-9._-]{0,127}|sha256:[0-9a-f]{64})$/.exec(
          rest,
        );
      if (!named?.[1] || !named[2])
        throw new InputError("baseline", value, "needs registry:<model>@<alias|version>", fix);
      return { kind: "registry", model: named[1], reference: named[2] };
    }
    case "branch":
      if (!/^[^\s~^:?*[\\]+$/.test(rest))
        throw new InputError("baseline", value, "names an invalid branch", fix);
      return { kind: "branch", branch: rest.replace(/^refs\/heads\//, "") };
    default: {
      const runId = Number(rest);
      if (!Number.isSafeInteger(runId) || runId <= 0) {
        throw new InputError("baseline", value, "needs a numeric workflow run id after 'run:'", fix);
      }
      return { kind: "run", runId };
    }
  }
}

/**
 * A one-line value naming an existing file is read from that file (e.g. `rules: .github/gate-rules.txt`),
 * so rules can live next to the code and annotations can point at their lines.
 */
function textOrFile(name: string, value: string, workspace: string, roots: PathRoots): TextInput {
  const single = value.trim();
  if (single === "" || single.includes("\n")) return { text: value };
  const path = resolve(workspace, single);
  if (/\.(txt|rules|ya?ml|conf)$/i.test(single) || (existsSync(path) && statSync(path).isFile())) {
    checkedPath(name, single, workspace, roots);
    if (!existsSync(path)) {
      throw new InputError(
        name,
        single,
        "looks like a file name but no such file exists",
        `Commit ${single} or give the ${name} inline, one a line.`,
      );
    }
    return { text: readFileSync(path, "utf8"), file: single };
  }
  return { text: value };
}
