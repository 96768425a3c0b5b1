// On pull requests, the rules and directions files are read from the PR's base commit: a PR that edits
// the rules must not be judged by its own edit. The file is read through the contents API at the base
// sha, because the checkout of a pull_request run is the merge commit at depth 1 (the base commit is not
// there for `git show`) and pull_request_target checkouts vary; the API needs only `contents: read`.
// A change is judged by the base version and reported; a file new in the PR is applied and reported.
import * as core from "@actions/core";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { PolicyFileSource } from "../../verdict/report.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { pullRequestBase } from "../../lib/event.ts";
import { httpStatus, needsPermission } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import type { GateInputs, TextInput } from "./inputs.ts";

/** Events whose run judges a pull request against a base commit. */
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target"];

export interface PolicyContext {
  eventName: string;
  payload: unknown;
  repository: { owner: string; repo: string };
  github: () => Promise<GitHubClient>;
}

export interface JudgedPolicy {
  /** The inputs with rules and directions as the base commit has them (when it has the file). */
  inputs: GateInputs;
  /** Where each named file came from (pull request events only). */
  policyFiles: PolicyFileSource[];
}

export async function policyAsOfBase(inputs: GateInputs, context: PolicyContext): Promise<JudgedPolicy> {
  const base = pullRequestBase(context.payload);
  if (!PULL_REQUEST_EVENTS.includes(context.eventName) || base === undefined)
    return { inputs, policyFiles: [] };
  const policyFiles: PolicyFileSource[] = [];
  const judge = async (input: "rules" | "directions", given: TextInput): Promise<TextInput> => {
    const path = given.file === undefined ? undefined : repositoryPath(given.file, inputs.workspace);
    if (path === undefined) return given;
    const baseText = await readAtCommit(context, path, base.sha, input);
    const change = baseText === undefined ? "added" : baseText === given.text ? "unchanged" : "changed";
    policyFiles.push({ input, file: path, baseSha: base.sha, change });
    const at = `the base commit ${base.sha.slice(0, 7)}`;
    if (change === "added") {
      core.warning(
        `${input} file ${path} is new in this pull request (not in ${at}): applied as the pull request wrote it. Review it before merging.`,
        { title: `${input} file added in this PR` },
      );
      return given;
    }
    if (change === "unchanged") return given;
    core.warning(
      `${input} changed in this PR: not applied until merged. The gate judged by ${path} as of ${at}.`,
      { title: `${input} changed in this PR`, file: path },
    );
    // No `file`: the annotations' line numbers would point into the PR's version of it.
    return { text: baseText ?? "" };
  };
  const rules = await judge("rules", inputs.rules);
  const directions = await judge("directions", inputs.directions);
  return { inputs: { ...inputs, rules, directions }, policyFiles };
}

/** The file's path in the repository (the workspace is the checkout), or undefined when outside it. */
function repositoryPath(file: string, workspace: string): string | undefined {
  const path = relative(workspace, resolve(workspace, file));
  if (path === "" || path.startsWith("..") || isAbsolute(path)) return undefined;
  return path.split(sep).join("/");
}

/** The file's text at `sha`, or undefined when the commit has no such file. */
async function readAtCommit(
  context: PolicyContext,
  path: string,
  sha: string,
  input: string,
): Promise<string | undefined> {
  const github = await context.github();
  let data: Awaited<ReturnType<GitHubClient["rest"]["repos"]["getContent"]>>["data"];
  try {
    const response = await needsPermission(
      "contents: read",
      `read ${path} at the pull request's base commit ${sha.slice(0, 7)}`,
      () => github.rest.repos.getContent({ ...context.repository, path, ref: sha }),
    );
    data = response.data;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
  if (Array.isArray(data) || data.type !== "file") {
    throw new ConfigurationError(
      `Input '${input}' names ${path}, which is ${Array.isArray(data) ? "a directory" : `a ${data.type}`} in the base commit ${sha.slice(0, 7)}: name a file.`,
    );
  }
  if (data.encoding !== "base64") {
    throw new ConfigurationError(
      `Input '${input}' names ${path}, which is too large for GitHub's contents API (${data.size} bytes) in the base commit ${sha.slice(0, 7)}: keep rules files under 1 MB.`,
    );
  }
  return Buffer.from(data.content, "base64").toString("utf8");
}
