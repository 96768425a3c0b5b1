// Renders state records as the JSON GitHub sends: every field the OpenAPI description requires, with the
// same URL shapes (rooted at the double's URL). The response validator checks each body against the schema.
import { createHash } from "node:crypto";
import type { StoredArtifact } from "../artifact-source.ts";
import { GITHUB_ACTIONS_BOT } from "./auth.ts";
import type {
  CheckRunRecord,
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  EnvironmentRecord,
  GitHubState,
  IssueRecord,
  PullRecord,
  ReleaseAssetRecord,
  ReleaseRecord,
  RepoRecord,
  TagObjectRecord,
  UserRecord,
  WorkflowRunRecord,
} from "./state.ts";
import { fakeSha } from "./state.ts";

type Json = Record<string, unknown>;

/** What every renderer needs: the API root, the web root and the state (to look users up). */
export interface RenderContext {
  api: string;
  web: string;
  state: GitHubState;
}

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString("base64").replace(/=+$/, "");
}

export function renderUser(ctx: RenderContext, user: UserRecord): Json {
  const url = `${ctx.api}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === "Bot" ? "Bot" : "User", user.id),
    avatar_url: `${ctx.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: "",
    url,
    html_url:
      user.type === "Bot"
        ? `${ctx.web}/apps/${user.login.replace(/\[bot\]$/, "")}`
        : `${ctx.web}/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function renderLogin(ctx: RenderContext, login: string): Json {
  return renderUser(ctx, ctx.state.user(login));
}

/** The GitHub Actions app, which owns check runs and deployments made with GITHUB_TOKEN. */
export function renderActionsApp(ctx: RenderContext): Json {
  return {
    id: 15368,
    slug: "github-actions",
    node_id: "MDM6QXBwMTUzNjg=",
    owner: renderUser(ctx, { id: 9919, login: "github", type: "Organization" }),
    name: "GitHub Actions",
    description: "Automate your workflow from idea to production",
    external_url: "https://help.github.com/en/actions",
    html_url: `${ctx.web}/apps/github-actions`,
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2019-12-10T19:04:12Z",
    permissions: {
      actions: "write",
      checks: "write",
      contents: "write",
      deployments: "write",
      issues: "write",
      metadata: "read",
      pull_requests: "write",
      statuses: "write",
    },
    events: ["check_run", "check_suite", "deployment", "pull_request", "push", "workflow_dispatch"],
  };
}

function appFor(ctx: RenderContext, login: string): Json | null {
  return login === GITHUB_ACTIONS_BOT ? renderActionsApp(ctx) : null;
}

export function repoApi(ctx: RenderContext, repo: Pick<RepoRecord, "owner" | "name">): string {
  return `${ctx.api}/repos/${repo.owner}/${repo.name}`;
}

/** Satisfies `repository`, `full-repository` and `minimal-repository` at once. */
export function renderRepo(ctx: RenderContext, repo: RepoRecord): Json {
  const url = repoApi(ctx, repo);
  const html = `${ctx.web}/${repo.owner}/${repo.name}`;
  const owner = ctx.state.user(repo.owner);
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: renderUser(ctx, owner),
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    html_url: html,
    description: null,
    fork: repo.forkOf !== undefined,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git:${html.replace(/^https?:/, "")}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: "Python",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 108,
    default_branch: repo.defaultBranch,
    open_issues_count: repo.issues.filter((i) => i.state === "open").length,
    open_issues: repo.issues.filter((i) => i.state === "open").length,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    allow_forking: true,
    web_commit_signoff_required: false,
    network_count: 0,
    subscribers_count: 0,
  };
}

function issueApi(ctx: RenderContext, repo: RepoRecord, number: number): string {
  return `${repoApi(ctx, repo)}/issues/${number}`;
}

export function renderComment(ctx: RenderContext, repo: RepoRecord, comment: CommentRecord): Json {
  const isPull = repo.pulls.some((p) => p.number === comment.issueNumber);
  const html = `${ctx.web}/${repo.owner}/${repo.name}/${isPull ? "pull" : "issues"}/${comment.issueNumber}`;
  return {
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    url: `${repoApi(ctx, repo)}/issues/comments/${comment.id}`,
    html_url: `${html}#issuecomment-${comment.id}`,
    body: comment.body,
    user: renderLogin(ctx, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: issueApi(ctx, repo, comment.issueNumber),
    author_association: comment.user === repo.owner ? "OWNER" : "NONE",
    performed_via_github_app: appFor(ctx, comment.user),
    reactions: reactions(`${repoApi(ctx, repo)}/issues/comments/${comment.id}/reactions`),
  };
}

function reactions(url: string): Json {
  return {
    url,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    confused: 0,
    heart: 0,
    hooray: 0,
    eyes: 0,
    rocket: 0,
  };
}

function renderLabel(ctx: RenderContext, repo: RepoRecord, name: string): Json {
  const id = Number.parseInt(fakeSha("label", name).slice(0, 8), 16);
  return {
    id,
    node_id: nodeId("Label", id),
    url: `${repoApi(ctx, repo)}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: "ededed",
    default: false,
  };
}

export function renderIssue(ctx: RenderContext, repo: RepoRecord, issue: IssueRecord): Json {
  const url = issueApi(ctx, repo, issue.number);
  const pullUrl = `${repoApi(ctx, repo)}/pulls/${issue.number}`;
  const pullHtml = `${ctx.web}/${repo.owner}/${repo.name}/pull/${issue.number}`;
  const pull = issue.isPullRequest ? repo.pulls.find((p) => p.number === issue.number) : undefined;
  return {
    id: issue.id,
    node_id: nodeId(issue.isPullRequest ? "PullRequest" : "Issue", issue.id),
    url,
    repository_url: repoApi(ctx, repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: issue.isPullRequest ? pullHtml : `${ctx.web}/${repo.owner}/${repo.name}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: renderLogin(ctx, issue.user),
    labels: issue.labels.map((name) => renderLabel(ctx, repo, name)),
    assignee: issue.assignees[0] ? renderLogin(ctx, issue.assignees[0]) : null,
    assignees: issue.assignees.map((login) => renderLogin(ctx, login)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: repo.comments.filter((c) => c.issueNumber === issue.number).length,
    ...(pull
      ? {
          pull_request: {
            url: pullUrl,
            html_url: pullHtml,
            diff_url: `${pullHtml}.diff`,
            patch_url: `${pullHtml}.patch`,
            merged_at: pull.merged ? pull.updatedAt : null,
          },
          draft: pull.draft,
        }
      : {}),
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_by: null,
    author_association: issue.user === repo.owner ? "OWNER" : "NONE",
    timeline_url: `${url}/timeline`,
    performed_via_github_app: appFor(ctx, issue.user),
    reactions: reactions(`${url}/reactions`),
  };
}

function link(href: string): Json {
  return { href };
}

export function renderPull(ctx: RenderContext, repo: RepoRecord, pull: PullRecord): Json {
  const url = `${repoApi(ctx, repo)}/pulls/${pull.number}`;
  const html = `${ctx.web}/${repo.owner}/${repo.name}/pull/${pull.number}`;
  const issueUrl = issueApi(ctx, repo, pull.number);
  const headOwner = pull.head.repoFullName.split("/")[0] ?? repo.owner;
  const headName = pull.head.repoFullName.split("/")[1] ?? repo.name;
  // A fork is rendered from the base repository's record with the fork's owner and name.
  const headRepo = ctx.state.findRepo(pull.head.repoFullName) ?? {
    ...repo,
    owner: headOwner,
    name: headName,
    id: repo.id + 1,
  };
  const headRepoJson = { ...renderRepo(ctx, headRepo), fork: pull.fork };
  const comments = repo.comments.filter((c) => c.issueNumber === pull.number).length;
  const statusesUrl = `${repoApi(ctx, repo)}/statuses/${pull.head.sha}`;
  return {
    url,
    id: pull.id,
    node_id: nodeId("PullRequest", pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoApi(ctx, repo)}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statusesUrl,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: renderLogin(ctx, pull.user),
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.state === "closed" ? pull.updatedAt : null,
    merged_at: pull.merged ? pull.updatedAt : null,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${headOwner}:${pull.head.ref}`,
      ref: pull.head.ref,
      sha: pull.head.sha,
      user: renderLogin(ctx, headOwner),
      repo: headRepoJson,
    },
    base: {
      label: `${repo.owner}:${pull.base.ref}`,
      ref: pull.base.ref,
      sha: pull.base.sha,
      user: renderLogin(ctx, repo.owner),
      repo: renderRepo(ctx, repo),
    },
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${repoApi(ctx, repo)}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(statusesUrl),
    },
    author_association: pull.user === repo.owner ? "OWNER" : pull.fork ? "CONTRIBUTOR" : "MEMBER",
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: pull.state === "open" ? true : null,
    rebaseable: pull.state === "open" ? true : null,
    mergeable_state: pull.state === "open" ? "clean" : "unknown",
    merged_by: null,
    comments,
    review_comments: 0,
    maintainer_can_modify: pull.fork,
    commits: 1,
    additions: 10,
    deletions: 2,
    changed_files: 1,
  };
}

/** The short form in pull_requests arrays of check runs and workflow runs. */
export function renderPullMinimal(ctx: RenderContext, repo: RepoRecord, pull: PullRecord): Json {
  const repoRef = (id: number, fullName: string): Json => ({
    id,
    url: `${ctx.api}/repos/${fullName}`,
    name: fullName.split("/")[1] ?? fullName,
  });
  return {
    id: pull.id,
    number: pull.number,
    url: `${repoApi(ctx, repo)}/pulls/${pull.number}`,
    head: { ref: pull.head.ref, sha: pull.head.sha, repo: repoRef(repo.id, pull.head.repoFullName) },
    base: { ref: pull.base.ref, sha: pull.base.sha, repo: repoRef(repo.id, `${repo.owner}/${repo.name}`) },
  };
}

export function renderCheckRun(ctx: RenderContext, repo: RepoRecord, run: CheckRunRecord): Json {
  const url = `${repoApi(ctx, repo)}/check-runs/${run.id}`;
  // Like GitHub: only same-repository PRs whose head is this commit are listed (never fork PRs).
  const pulls = repo.pulls.filter((p) => !p.fork && p.state === "open" && p.head.sha === run.headSha);
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: nodeId("CheckRun", run.id),
    external_id: run.externalId ?? "",
    url,
    html_url: `${ctx.web}/${repo.owner}/${repo.name}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${ctx.web}/${repo.owner}/${repo.name}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.output.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.checkSuiteId },
    app: appFor(ctx, run.creator),
    pull_requests: pulls.map((p) => renderPullMinimal(ctx, repo, p)),
  };
}

export function renderWorkflowRun(ctx: RenderContext, repo: RepoRecord, run: WorkflowRunRecord): Json {
  const url = `${repoApi(ctx, repo)}/actions/runs/${run.id}`;
  const headRepo = ctx.state.findRepo(run.headRepoFullName) ?? repo;
  const pulls = repo.pulls.filter((p) => run.pullRequests.includes(p.number));
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("WorkflowRun", run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    check_suite_id: run.id + 1,
    check_suite_node_id: nodeId("CheckSuite", run.id + 1),
    url,
    html_url: `${ctx.web}/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
    pull_requests: pulls.map((p) => renderPullMinimal(ctx, repo, p)),
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: renderLogin(ctx, run.actor),
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    run_started_at: run.createdAt,
    triggering_actor: renderLogin(ctx, run.actor),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repoApi(ctx, repo)}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${url}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${repoApi(ctx, repo)}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: fakeSha("tree", run.headSha),
      message: run.displayTitle,
      timestamp: run.createdAt,
      author: { name: run.actor, email: `${run.actor}@users.noreply.github.com` },
      committer: { name: "GitHub", email: "noreply@github.com" },
    },
    repository: renderRepo(ctx, repo),
    head_repository: renderRepo(ctx, headRepo),
    head_repository_id: headRepo.id,
  };
}

export function renderArtifact(
  ctx: RenderContext,
  repo: RepoRecord,
  artifact: StoredArtifact,
  expired: boolean,
): Json {
  const url = `${repoApi(ctx, repo)}/actions/artifacts/${artifact.id}`;
  const run = ctx.state.findWorkflowRun(artifact.workflowRunId)?.run;
  // The run's head repository: a fork PR's run uploads into the base repository but ran the fork's code.
  const headRepo = (run && ctx.state.findRepo(run.headRepoFullName)) ?? repo;
  return {
    id: artifact.id,
    node_id: nodeId("Artifact", artifact.id),
    name: artifact.name,
    size_in_bytes: artifact.size,
    url,
    archive_download_url: `${url}/zip`,
    expired,
    digest: artifact.digest ?? null,
    created_at: artifact.createdAt,
    updated_at: artifact.createdAt,
    expires_at: artifact.expiresAt,
    workflow_run: {
      id: artifact.workflowRunId,
      repository_id: repo.id,
      head_repository_id: headRepo.id,
      head_branch: run?.headBranch ?? repo.defaultBranch,
      head_sha: run?.headSha ?? fakeSha("run", String(artifact.workflowRunId)),
    },
  };
}

/** A git blob id, as GitHub computes it: sha1 of "blob <size>\0<bytes>". */
function blobSha(bytes: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
}

/** One `content-file` (with its base64 content, wrapped at 60 like GitHub's) or directory entry. */
export function renderContent(
  ctx: RenderContext,
  repo: RepoRecord,
  ref: string,
  path: string,
  text: string | undefined,
): Json {
  const bytes = Buffer.from(text ?? "");
  const sha = text === undefined ? fakeSha("tree", ref, path) : blobSha(bytes);
  const url = `${repoApi(ctx, repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${repoApi(ctx, repo)}/git/${text === undefined ? "trees" : "blobs"}/${sha}`;
  const htmlUrl = `${ctx.web}/${repo.owner}/${repo.name}/${text === undefined ? "tree" : "blob"}/${ref}/${path}`;
  const entry: Json = {
    type: text === undefined ? "dir" : "file",
    size: bytes.length,
    name: path.split("/").pop() ?? path,
    path,
    sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: text === undefined ? null : `${ctx.web}/${repo.owner}/${repo.name}/raw/${ref}/${path}`,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
  if (text === undefined) return entry;
  const base64 = bytes.toString("base64");
  return { ...entry, encoding: "base64", content: `${base64.replace(/(.{60})/g, "$1\n")}\n` };
}

export function renderAsset(
  ctx: RenderContext,
  repo: RepoRecord,
  release: ReleaseRecord,
  asset: ReleaseAssetRecord,
): Json {
  return {
    url: `${repoApi(ctx, repo)}/releases/assets/${asset.id}`,
    browser_download_url: `${ctx.web}/${repo.owner}/${repo.name}/releases/download/${encodeURIComponent(release.tagName)}/${encodeURIComponent(asset.name)}`,
    id: asset.id,
    node_id: nodeId("ReleaseAsset", asset.id),
    name: asset.name,
    label: asset.label,
    state: asset.state,
    content_type: asset.contentType,
    size: asset.data.length,
    digest: asset.digest,
    download_count: 0,
    created_at: asset.createdAt,
    updated_at: asset.createdAt,
    uploader: renderLogin(ctx, asset.uploader),
  };
}

export function renderRelease(
  ctx: RenderContext,
  uploadsRoot: string,
  repo: RepoRecord,
  release: ReleaseRecord,
): Json {
  const url = `${repoApi(ctx, repo)}/releases/${release.id}`;
  const tagPath = encodeURIComponent(release.tagName);
  return {
    url,
    html_url: release.draft
      ? `${ctx.web}/${repo.owner}/${repo.name}/releases/tag/untagged-${release.id}`
      : `${ctx.web}/${repo.owner}/${repo.name}/releases/tag/${tagPath}`,
    assets_url: `${url}/assets`,
    upload_url: `${uploadsRoot}/repos/${repo.owner}/${repo.name}/releases/${release.id}/assets{?name,label}`,
    tarball_url: release.draft ? null : `${repoApi(ctx, repo)}/tarball/${tagPath}`,
    zipball_url: release.draft ? null : `${repoApi(ctx, repo)}/zipball/${tagPath}`,
    id: release.id,
    node_id: nodeId("Release", release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: release.immutable,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    updated_at: release.publishedAt ?? release.createdAt,
    author: renderLogin(ctx, release.author),
    assets: release.assets.map((asset) => renderAsset(ctx, repo, release, asset)),
  };
}

export function renderRef(ctx: RenderContext, repo: RepoRecord, ref: string, sha: string): Json {
  const isTagObject = repo.tags.some((t) => t.sha === sha);
  return {
    ref,
    node_id: nodeId("Ref", `${repo.id}:${ref}`),
    url: `${repoApi(ctx, repo)}/git/${ref}`,
    object: {
      type: isTagObject ? "tag" : "commit",
      sha,
      url: `${repoApi(ctx, repo)}/git/${isTagObject ? "tags" : "commits"}/${sha}`,
    },
  };
}

export function renderTag(ctx: RenderContext, repo: RepoRecord, tag: TagObjectRecord): Json {
  return {
    node_id: nodeId("Tag", tag.sha),
    tag: tag.tag,
    sha: tag.sha,
    url: `${repoApi(ctx, repo)}/git/tags/${tag.sha}`,
    message: tag.message,
    tagger: tag.tagger,
    object: {
      sha: tag.object.sha,
      type: tag.object.type,
      url: `${repoApi(ctx, repo)}/git/${tag.object.type}s/${tag.object.sha}`,
    },
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

export function renderDeployment(ctx: RenderContext, repo: RepoRecord, deployment: DeploymentRecord): Json {
  const url = `${repoApi(ctx, repo)}/deployments/${deployment.id}`;
  return {
    url,
    id: deployment.id,
    node_id: nodeId("Deployment", deployment.id),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: renderLogin(ctx, deployment.creator),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoApi(ctx, repo),
    transient_environment: deployment.transient,
    production_environment: deployment.production,
    performed_via_github_app: appFor(ctx, deployment.creator),
  };
}

export function renderDeploymentStatus(
  ctx: RenderContext,
  repo: RepoRecord,
  deployment: DeploymentRecord,
  status: DeploymentStatusRecord,
): Json {
  const deploymentUrl = `${repoApi(ctx, repo)}/deployments/${deployment.id}`;
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: nodeId("DeploymentStatus", status.id),
    state: status.state,
    creator: renderLogin(ctx, status.creator),
    description: status.description,
    environment: status.environment,
    target_url: status.targetUrl,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    deployment_url: deploymentUrl,
    repository_url: repoApi(ctx, repo),
    environment_url: status.environmentUrl,
    log_url: status.logUrl,
    performed_via_github_app: appFor(ctx, status.creator),
  };
}

export function renderEnvironment(ctx: RenderContext, repo: RepoRecord, env: EnvironmentRecord): Json {
  const rules: Json[] = [];
  if (env.waitTimer > 0) {
    rules.push({
      id: env.id + 1,
      node_id: nodeId("WaitTimer", env.id),
      type: "wait_timer",
      wait_timer: env.waitTimer,
    });
  }
  if (env.reviewers.length > 0) {
    rules.push({
      id: env.id + 2,
      node_id: nodeId("RequiredReviewers", env.id),
      type: "required_reviewers",
      prevent_self_review: env.preventSelfReview,
      reviewers: env.reviewers.map((r) => ({ type: r.type, reviewer: renderUserById(ctx, r.id) })),
    });
  }
  if (env.deploymentBranchPolicy) {
    rules.push({ id: env.id + 3, node_id: nodeId("BranchPolicy", env.id), type: "branch_policy" });
  }
  return {
    id: env.id,
    node_id: nodeId("Environment", env.id),
    name: env.name,
    url: `${repoApi(ctx, repo)}/environments/${encodeURIComponent(env.name)}`,
    html_url: `${ctx.web}/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
    created_at: env.createdAt,
    updated_at: env.updatedAt,
    protection_rules: rules,
    deployment_branch_policy: env.deploymentBranchPolicy,
  };
}

function renderUserById(ctx: RenderContext, id: number): Json {
  const user = [...ctx.state.users.values()].find((u) => u.id === id) ?? {
    id,
    login: `user-${id}`,
    type: "User" as const,
  };
  return renderUser(ctx, user);
}
