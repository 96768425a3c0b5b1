// The security check over our workflows, starter templates and action files. Each rule is a mistake that
// has let attackers in through GitHub Actions (script injection, over-broad tokens, mutable third-party
// refs, privileged workflows running a PR's code) or a policy of ours (concurrency, timeouts).
//
// It reads YAML on its own (not through the runner's parser) so that it can point at lines, and it knows
// nothing about our actions' behaviour: only about the workflow language.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

export type Rule =
  | "expression-in-run"
  | "missing-permissions"
  | "broad-permissions"
  | "unpinned-action"
  | "untrusted-checkout"
  | "missing-concurrency"
  | "missing-timeout"
  | "unverified-download"
  | "invalid-yaml";

export interface Finding {
  file: string;
  line: number;
  rule: Rule;
  message: string;
}

export interface CheckOptions {
  /** `uses:` values of our own actions, which are not third-party (default: `<owner>/mlops-actions…`). */
  firstParty?: RegExp;
}

const defaultFirstParty = /^[\w.-]+\/mlops-actions(?:\/|@)/i;

/**
 * Values that an attacker cannot choose, allowed inside `run:`. Everything else — github.event.*,
 * github.head_ref, github.ref_name, inputs.*, env.*, steps.*.outputs, needs.*.outputs, matrix.*,
 * vars.*, secrets.* — goes through `env:`, where the shell sees data instead of code.
 */
const safeReferences = [
  /^github\.(?:workspace|action_path|run_id|run_number|run_attempt|sha|repository|repository_id|repository_owner|server_url|api_url|graphql_url|job|event_name|ref_type|retention_days|workflow_sha)$/,
  /^runner\.[\w-]+$/,
  /^job\.status$/,
  /^strategy\.[\w-]+$/,
];

const contexts =
  /\b(github|inputs|env|steps|needs|matrix|vars|secrets|job|jobs|runner|strategy)((?:\s*\.\s*[\w*-]+|\s*\[[^\]]*\])*)/g;

/** The context references inside one `${{ }}` (string literals removed first). */
export function contextReferences(expression: string): string[] {
  // Literals inside brackets (`steps.a.outputs['b']`) are part of a reference and stay.
  const code = expression.replace(/(?<!\[\s*)'(?:[^']|'')*'/g, "''");
  return [...code.matchAll(contexts)].map(
    (match) => `${match[1] ?? ""}${(match[2] ?? "").replace(/\s+/g, "")}`,
  );
}

function unsafeReferences(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    for (const reference of contextReferences(match[1] ?? "")) {
      const normalised = reference.replace(/\['([^']*)'\]/g, ".$1");
      if (!safeReferences.some((safe) => safe.test(normalised))) found.push(reference);
    }
  }
  return [...new Set(found)];
}

/**
 * A download in a script: curl, wget or PowerShell's Invoke-WebRequest of a URL. Requests to loopback
 * (a server the job started itself, such as a smoke test of a container) fetch nothing from outside.
 */
const download =
  /\b(?:curl|wget|Invoke-WebRequest|iwr)\b[^\n]*\bhttps?:\/\/(?!(?:127\.0\.0\.1|localhost|\[::1\])[:/])/;
/** The download piped straight into something that runs or unpacks it, so nothing can check it first. */
const pipedDownload =
  /\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:tar|python3?|perl|ruby|node|bunzip2|gunzip|unzip)\b/;
/** A checksum check of what was downloaded, in the same script. */
const checksumCheck = /\b(?:sha256sum|sha512sum|shasum)\b[^\n]*(?:\s-c\b|--check\b)/;

/** Why a script's download is unverified, or undefined. */
function unverifiedDownload(script: string): string | undefined {
  if (pipedDownload.test(script))
    return "pipes a download into a shell or unpacker, so nothing checks what arrived";
  if (download.test(script) && !checksumCheck.test(script))
    return "downloads a file without checking its checksum (sha256sum --check)";
  return undefined;
}

const privilegedEvents = ["pull_request_target", "workflow_run"];
/** Expressions and refs that name the pull request's head (its untrusted code). */
const headReference =
  /github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head_(?:sha|branch|commit|repository)|refs\/pull\//;

export function checkFile(file: string, options: CheckOptions = {}): Finding[] {
  return checkText(file, readFileSync(file, "utf8"), options);
}

export function checkText(file: string, text: string, options: CheckOptions = {}): Finding[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: false });
  const findings: Finding[] = [];
  const lineOf = (node: Node | null | undefined): number =>
    node?.range === undefined || node.range === null ? 1 : lineCounter.linePos(node.range[0]).line;
  const add = (rule: Rule, node: Node | null | undefined, message: string) =>
    findings.push({ file, line: lineOf(node), rule, message });
  if (document.errors.length > 0 || !isMap(document.contents)) {
    findings.push({
      file,
      line: document.errors[0]?.linePos?.[0].line ?? 1,
      rule: "invalid-yaml",
      message: document.errors[0]?.message ?? "the top level is not a mapping",
    });
    return findings;
  }
  const root = document.contents;
  const lines = text.split("\n");
  const firstParty = options.firstParty ?? defaultFirstParty;
  const isAction = /^action\.ya?ml$/.test(basename(file));

  const checkSteps = (steps: unknown, where: string, privileged: boolean) => {
    if (!isSeq(steps)) return;
    for (const [index, item] of steps.items.entries()) {
      if (!isMap(item)) continue;
      const label = `${where} step ${String(index + 1)}`;
      const run = item.get("run", true);
      if (isScalar(run) && typeof run.value === "string") {
        const unsafe = unsafeReferences(run.value);
        if (unsafe.length > 0) {
          add(
            "expression-in-run",
            run,
            `${label}: \${{ ${unsafe.join(" }}, ${{ ")} }} is expanded into the script before the shell runs it (script injection); pass it through env: and use "$NAME".`,
          );
        }
        const unverified = unverifiedDownload(run.value);
        if (unverified !== undefined) {
          add(
            "unverified-download",
            run,
            `${label}: ${unverified}; pin the file's sha256 and check it before use, or install through a pinned action or a package manager.`,
          );
        }
        if (
          privileged &&
          (/\bgh\s+pr\s+checkout\b/.test(run.value) ||
            (/\bgit\s+(?:fetch|checkout)\b/.test(run.value) && headReference.test(run.value)))
        ) {
          add(
            "untrusted-checkout",
            run,
            `${label}: fetches the pull request's head in a privileged workflow.`,
          );
        }
      }
      const uses = item.get("uses", true);
      if (isScalar(uses) && typeof uses.value === "string") {
        const value = uses.value.trim();
        const local = value.startsWith("./") || value.startsWith("$/") || value === ".";
        if (!local && !firstParty.test(value) && !value.startsWith("docker://")) {
          const ref = value.split("@")[1] ?? "";
          const line = lines[lineOf(uses) - 1] ?? "";
          if (!/^[0-9a-f]{40}$/.test(ref)) {
            add(
              "unpinned-action",
              uses,
              `${label}: ${value} is not pinned to a full commit SHA (tags and branches can be moved).`,
            );
          } else if (!/#\s*v?\d+(?:\.\d+)*/.test(line)) {
            add(
              "unpinned-action",
              uses,
              `${label}: ${value} is pinned, but the version is not in a comment (\`# v1.2.3\`), so nobody can review updates.`,
            );
          }
        }
        if (privileged && /^actions\/checkout@/i.test(value)) {
          const withBlock = item.get("with", true);
          const ref = isMap(withBlock) ? withBlock.get("ref") : undefined;
          const repository = isMap(withBlock) ? withBlock.get("repository") : undefined;
          if ([ref, repository].some((v) => typeof v === "string" && headReference.test(v))) {
            add(
              "untrusted-checkout",
              uses,
              `${label}: checks out the pull request's head in a ${privilegedEvents.join("/")} workflow, which runs with a write token and secrets.`,
            );
          }
        }
      }
    }
  };

  if (isAction) {
    const runs = root.get("runs", true);
    if (isMap(runs)) checkSteps(runs.get("steps", true), "runs", false);
    return findings;
  }

  const on = root.get("on", true);
  const events = isMap(on)
    ? on.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key))
    : isSeq(on)
      ? on.items.map((item) => String(isScalar(item) ? item.value : item))
      : isScalar(on)
        ? [String(on.value)]
        : [];
  const privileged = events.some((event) => privilegedEvents.includes(event));
  const topPermissions = root.get("permissions", true);
  const broad = (node: unknown) => isScalar(node) && /^(?:write-all|read-all)$/.test(String(node.value));
  if (broad(topPermissions))
    add(
      "broad-permissions",
      topPermissions,
      `permissions: ${String((topPermissions as { value: unknown }).value)} gives every job every scope; list the scopes each job needs.`,
    );
  if (!root.has("concurrency") && !(events.length === 1 && events[0] === "workflow_call")) {
    add(
      "missing-concurrency",
      root.get("on", true),
      "no concurrency group: runs for the same ref pile up (and race on comments and caches).",
    );
  }
  const jobs = root.get("jobs", true);
  if (!isMap(jobs)) return findings;
  for (const pair of jobs.items) {
    const id = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const job = pair.value;
    if (!isMap(job)) continue;
    const keyNode = pair.key as Node;
    const permissions = job.get("permissions", true);
    if (permissions === undefined && topPermissions === undefined) {
      add(
        "missing-permissions",
        keyNode,
        `job ${id}: no permissions: here or at the top, so it gets the repository's default token (often write-all).`,
      );
    }
    if (broad(permissions))
      add(
        "broad-permissions",
        permissions,
        `job ${id}: permissions: ${String((permissions as { value: unknown }).value)}; list the scopes it needs.`,
      );
    if (!job.has("uses") && !job.has("timeout-minutes")) {
      add(
        "missing-timeout",
        keyNode,
        `job ${id}: no timeout-minutes (the default is 360 minutes of a hung runner).`,
      );
    }
    const jobUses = job.get("uses", true);
    if (isScalar(jobUses) && typeof jobUses.value === "string") {
      const value = jobUses.value;
      if (
        !value.startsWith("./") &&
        !value.startsWith("$/") &&
        !firstParty.test(value) &&
        !/@[0-9a-f]{40}$/.test(value)
      ) {
        add(
          "unpinned-action",
          jobUses,
          `job ${id}: reusable workflow ${value} is not pinned to a full commit SHA.`,
        );
      }
    }
    checkSteps(job.get("steps", true), `job ${id}`, privileged);
  }
  return findings;
}

/** One line per finding, as `file:line [rule] message`. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${String(f.line)} [${f.rule}] ${f.message}`).join("\n");
}
