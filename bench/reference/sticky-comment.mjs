// The minimal reference for bench/gate-comment.mjs: what any action that keeps one comment on a PR must
// do, and nothing more. List the PR's comments (every page), update the one that starts with the body's
// first line (its marker), or create it. Plain @octokit/core with its paginate plugin (what
// @actions/github's getOctokit is built from, without its proxy client); bundled by the bench with
// dist/'s esbuild settings and run as `node <file>`, as the runner runs an action.
import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";

const env = process.env;
const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8"));
const [owner, repo] = env.GITHUB_REPOSITORY.split("/");
const issue_number = event.pull_request.number;
const body = readFileSync(env.REFERENCE_BODY_FILE, "utf8");
const marker = body.split("\n", 1)[0];
const octokit = new (Octokit.plugin(paginateRest))({
  auth: env["INPUT_GITHUB-TOKEN"],
  baseUrl: env.GITHUB_API_URL,
});

const comments = await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
  owner,
  repo,
  issue_number,
  per_page: 100,
});
const mine = comments.find((c) => c.user?.type === "Bot" && (c.body ?? "").split("\n", 1)[0] === marker);
const written = mine
  ? await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner,
      repo,
      comment_id: mine.id,
      body,
    })
  : await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner,
      repo,
      issue_number,
      body,
    });
console.log(`${mine ? "updated" : "created"} ${written.data.html_url}`);
