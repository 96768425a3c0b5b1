// The double's in-memory world: repositories and everything in them. Tests seed it (repos, pull requests,
// workflow runs, commits) and read what the code under test wrote (comments, check runs, releases, ...).
// Records hold only facts; api/representations.ts renders them as GitHub's JSON.
import { createHash } from "node:crypto";
import { GITHUB_ACTIONS_BOT } from "./auth.ts";

export interface UserRecord {
  id: number;
  login: string;
  type: "Bot" | "User" | "Organization";
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  createdAt: string;
  /** Full refs ("refs/heads/main") to the object they point at. */
  refs: Map<string, string>;
  /** Every object id the repository knows (commits seeded or implied, tag objects). */
  objects: Set<string>;
  issues: IssueRecord[];
  pulls: PullRecord[];
  comments: CommentRecord[];
  checkRuns: CheckRunRecord[];
  workflowRuns: WorkflowRunRecord[];
  releases: ReleaseRecord[];
  tags: TagObjectRecord[];
  deployments: DeploymentRecord[];
  environments: EnvironmentRecord[];
  dispatches: DispatchRecord[];
  /** The immutable-releases setting: releases published while it is on lock their tag and assets. */
  immutableReleases: boolean;
  /** Tag names once used by an immutable release: GitHub never lets them be used again. */
  burnedTags: Set<string>;
  nextNumber: number;
  /** "owner/name" of the repository this one is a fork of (seeded for fork PRs and fork runs). */
  forkOf?: string;
  /** Files by commit: what `GET /contents/{path}?ref=` serves (seeded with seedFiles). */
  files: Map<string, Map<string, string>>;
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | "duplicate" | null;
  labels: string[];
  assignees: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when the issue is a pull request's issue side. */
  isPullRequest: boolean;
}

export interface PullRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  user: string;
  head: { ref: string; sha: string; repoFullName: string };
  base: { ref: string; sha: string };
  fork: boolean;
  mergeCommitSha: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: unknown[] };
  actions: unknown[];
  /** Login of the token that created it (the app is GitHub Actions for github-actions[bot]). */
  creator: string;
  checkSuiteId: number;
}

export interface WorkflowRunRecord {
  id: number;
  name: string;
  workflowId: number;
  path: string;
  headBranch: string | null;
  headSha: string;
  event: string;
  status: string;
  conclusion: string | null;
  runNumber: number;
  runAttempt: number;
  actor: string;
  /** PR numbers in this repository; empty for fork PRs, like GitHub's workflow_run payloads. */
  pullRequests: number[];
  headRepoFullName: string;
  displayTitle: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReleaseAssetRecord {
  id: number;
  name: string;
  label: string | null;
  contentType: string;
  data: Buffer;
  /** null while the asset is a `starter` (GitHub has no digest for a failed upload). */
  digest: string | null;
  /** `starter`: what GitHub leaves after a failed upload (an injected `failed-upload` fault). */
  state: "uploaded" | "starter";
  uploader: string;
  createdAt: string;
}

export interface ReleaseRecord {
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  author: string;
  createdAt: string;
  publishedAt: string | null;
  /** Published while the repository had immutable releases on: its tag and assets are locked. */
  immutable: boolean;
  /** The last `make_latest` sent (create or update), as GitHub would have applied it. */
  makeLatest: "true" | "false" | "legacy" | undefined;
  assets: ReleaseAssetRecord[];
}

export interface TagObjectRecord {
  sha: string;
  tag: string;
  message: string;
  object: { sha: string; type: string };
  tagger: { name: string; email: string; date: string };
}

export interface DeploymentStatusRecord {
  id: number;
  state: "error" | "failure" | "inactive" | "pending" | "success" | "queued" | "in_progress";
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creator: string;
  createdAt: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: Record<string, unknown> | string;
  transient: boolean;
  production: boolean;
  creator: string;
  createdAt: string;
  updatedAt: string;
  statuses: DeploymentStatusRecord[];
}

export interface EnvironmentRecord {
  id: number;
  name: string;
  waitTimer: number;
  preventSelfReview: boolean;
  reviewers: { type: string; id: number }[];
  deploymentBranchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  createdAt: string;
  updatedAt: string;
}

export interface DispatchRecord {
  eventType: string;
  clientPayload: Record<string, unknown>;
  actor: string;
  at: string;
}

export interface SeedRepo {
  /** "owner/name". */
  fullName: string;
  private?: boolean;
  defaultBranch?: string;
  /** The default branch's head; a fixed sha derived from the name when omitted. */
  headSha?: string;
  /** "owner/name" of the parent: the repository is a fork of it. */
  forkOf?: string;
}

export interface SeedPull {
  number?: number;
  title?: string;
  body?: string;
  state?: "open" | "closed";
  merged?: boolean;
  draft?: boolean;
  /** Author; defaults to the head repository's owner. */
  user?: string;
  /** "owner/name" of the head repository: a fork when it differs from the base repository. */
  head: { ref: string; sha: string; repo?: string };
  base?: { ref?: string; sha?: string };
  /** A PR from a fork; without `head.repo` the fork is `<user or "contributor">/<name>`. */
  fork?: boolean;
}

export interface SeedWorkflowRun {
  id?: number;
  name?: string;
  path?: string;
  headBranch?: string | null;
  headSha: string;
  event?: string;
  status?: string;
  conclusion?: string | null;
  actor?: string;
  pullRequests?: number[];
  /**
   * "owner/name" of the repository whose code ran: a fork when it differs from the repository (GitHub
   * lists a fork PR's runs in the base repository). An unseeded fork is seeded as one.
   */
  headRepo?: string;
  runAttempt?: number;
  createdAt?: string;
}

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function fakeSha(...parts: string[]): string {
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}

// Well-known ids, so responses look like the real thing.
const KNOWN_USER_IDS: Record<string, number> = { [GITHUB_ACTIONS_BOT]: 41898282 };

export class GitHubState {
  readonly users = new Map<string, UserRecord>();
  readonly repos = new Map<string, RepoRecord>();
  private nextId = 1000;

  /** A fresh id, unique across every kind of object in this double. */
  id(): number {
    return this.nextId++;
  }

  user(login: string, type?: UserRecord["type"]): UserRecord {
    let user = this.users.get(login.toLowerCase());
    if (!user) {
      user = {
        id: KNOWN_USER_IDS[login] ?? this.id(),
        login,
        type: type ?? (login.endsWith("[bot]") ? "Bot" : "User"),
      };
      this.users.set(login.toLowerCase(), user);
    } else if (type) {
      user.type = type;
    }
    return user;
  }

  seedRepo(seed: SeedRepo): RepoRecord {
    const [owner, name] = seed.fullName.split("/");
    if (!owner || !name) throw new Error(`seedRepo: fullName must be "owner/name", got "${seed.fullName}"`);
    this.user(owner);
    const defaultBranch = seed.defaultBranch ?? "main";
    const headSha = seed.headSha ?? fakeSha(seed.fullName, defaultBranch);
    const repo: RepoRecord = {
      id: this.id(),
      owner,
      name,
      private: seed.private ?? false,
      defaultBranch,
      createdAt: timestamp(),
      refs: new Map([[`refs/heads/${defaultBranch}`, headSha]]),
      objects: new Set([headSha]),
      issues: [],
      pulls: [],
      comments: [],
      checkRuns: [],
      workflowRuns: [],
      releases: [],
      tags: [],
      deployments: [],
      environments: [],
      dispatches: [],
      immutableReleases: false,
      burnedTags: new Set(),
      nextNumber: 1,
      ...(seed.forkOf === undefined ? {} : { forkOf: seed.forkOf }),
      files: new Map(),
    };
    this.repos.set(seed.fullName.toLowerCase(), repo);
    return repo;
  }

  repo(fullName: string): RepoRecord {
    const repo = this.findRepo(fullName);
    if (!repo)
      throw new Error(`The GitHub double has no repository "${fullName}"; seed it with state.seedRepo`);
    return repo;
  }

  findRepo(fullName: string): RepoRecord | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  /**
   * The head repository of a PR or run: the seeded one, or else a fork of `base` seeded now (so it has
   * its own id, as `head_repository_id` needs).
   */
  headRepository(fullName: string, base: RepoRecord): RepoRecord {
    return (
      this.findRepo(fullName) ??
      this.seedRepo({ fullName, forkOf: `${base.owner}/${base.name}`, defaultBranch: base.defaultBranch })
    );
  }

  /** Commits `files` (path → text) at `sha`, added to what the commit already has. */
  seedFiles(fullName: string, sha: string, files: Record<string, string>): void {
    const repo = this.repo(fullName);
    repo.objects.add(sha);
    const tree = repo.files.get(sha) ?? new Map<string, string>();
    for (const [path, text] of Object.entries(files)) tree.set(path.replace(/^\/+/, ""), text);
    repo.files.set(sha, tree);
  }

  /** Makes commits known to the repository (refs, deployments and tags may point at them). */
  seedCommits(fullName: string, ...shas: string[]): void {
    const repo = this.repo(fullName);
    for (const sha of shas) repo.objects.add(sha);
  }

  /** Creates or moves a branch (`refs/heads/<branch>`), making its commit known. */
  seedBranch(fullName: string, branch: string, sha: string): void {
    const repo = this.repo(fullName);
    repo.refs.set(`refs/heads/${branch}`, sha);
    repo.objects.add(sha);
  }

  seedPull(fullName: string, seed: SeedPull): PullRecord {
    const repo = this.repo(fullName);
    const now = timestamp();
    const number = seed.number ?? repo.nextNumber;
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const headRepo =
      seed.head.repo ??
      (seed.fork === true ? `${seed.user ?? "contributor"}/${repo.name}` : `${repo.owner}/${repo.name}`);
    const baseRef = seed.base?.ref ?? repo.defaultBranch;
    const baseSha = seed.base?.sha ?? repo.refs.get(`refs/heads/${baseRef}`) ?? fakeSha(fullName, baseRef);
    const user = seed.user ?? headRepo.split("/")[0] ?? repo.owner;
    this.user(user);
    this.headRepository(headRepo, repo);
    const pull: PullRecord = {
      id: this.id(),
      number,
      title: seed.title ?? `Pull request #${number}`,
      body: seed.body ?? null,
      state: seed.state ?? "open",
      merged: seed.merged ?? false,
      draft: seed.draft ?? false,
      user,
      head: { ref: seed.head.ref, sha: seed.head.sha, repoFullName: headRepo },
      base: { ref: baseRef, sha: baseSha },
      fork: headRepo.toLowerCase() !== `${repo.owner}/${repo.name}`.toLowerCase(),
      mergeCommitSha: fakeSha("merge", fullName, String(number), seed.head.sha),
      createdAt: now,
      updatedAt: now,
    };
    repo.pulls.push(pull);
    repo.issues.push({
      id: this.id(),
      number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      stateReason: null,
      labels: [],
      assignees: [],
      user,
      createdAt: now,
      updatedAt: now,
      closedAt: pull.state === "closed" ? now : null,
      isPullRequest: true,
    });
    repo.objects.add(seed.head.sha).add(baseSha);
    // GitHub keeps every PR's head at refs/pull/<n>/head in the base repository, forks included.
    repo.refs.set(`refs/pull/${number}/head`, seed.head.sha);
    if (!pull.fork) repo.refs.set(`refs/heads/${seed.head.ref}`, seed.head.sha);
    return pull;
  }

  seedWorkflowRun(fullName: string, seed: SeedWorkflowRun): WorkflowRunRecord {
    const repo = this.repo(fullName);
    const createdAt = seed.createdAt ?? timestamp();
    const path = seed.path ?? ".github/workflows/ci.yml";
    const status = seed.status ?? "completed";
    const headRepoFullName = seed.headRepo ?? `${repo.owner}/${repo.name}`;
    this.headRepository(headRepoFullName, repo);
    const run: WorkflowRunRecord = {
      id: seed.id ?? this.id(),
      name: seed.name ?? "CI",
      workflowId: Number.parseInt(fakeSha(fullName, path).slice(0, 7), 16),
      path,
      headBranch: seed.headBranch === undefined ? repo.defaultBranch : seed.headBranch,
      headSha: seed.headSha,
      event: seed.event ?? "push",
      status,
      conclusion:
        seed.conclusion === undefined ? (status === "completed" ? "success" : null) : seed.conclusion,
      runNumber: repo.workflowRuns.length + 1,
      runAttempt: seed.runAttempt ?? 1,
      actor: seed.actor ?? repo.owner,
      pullRequests: seed.pullRequests ?? [],
      headRepoFullName,
      displayTitle: seed.name ?? "CI",
      createdAt,
      updatedAt: createdAt,
    };
    this.user(run.actor);
    repo.workflowRuns.push(run);
    repo.objects.add(seed.headSha);
    return run;
  }

  seedIssue(
    fullName: string,
    seed: { title: string; body?: string; user?: string; labels?: string[] },
  ): IssueRecord {
    const repo = this.repo(fullName);
    const now = timestamp();
    const issue: IssueRecord = {
      id: this.id(),
      number: repo.nextNumber++,
      title: seed.title,
      body: seed.body ?? null,
      state: "open",
      stateReason: null,
      labels: seed.labels ?? [],
      assignees: [],
      user: this.user(seed.user ?? repo.owner).login,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      isPullRequest: false,
    };
    repo.issues.push(issue);
    return issue;
  }

  /** Adds a comment as if `user` had written it (default github-actions[bot]). */
  seedComment(fullName: string, issueNumber: number, body: string, user = GITHUB_ACTIONS_BOT): CommentRecord {
    const repo = this.repo(fullName);
    if (!repo.issues.some((i) => i.number === issueNumber)) {
      throw new Error(`seedComment: ${fullName} has no issue or pull request #${issueNumber}`);
    }
    const now = timestamp();
    const comment: CommentRecord = {
      id: this.id(),
      issueNumber,
      body,
      user: this.user(user).login,
      createdAt: now,
      updatedAt: now,
    };
    repo.comments.push(comment);
    return comment;
  }

  /** The repository (and record) that holds workflow run `id`, if any. */
  findWorkflowRun(id: number): { repo: RepoRecord; run: WorkflowRunRecord } | undefined {
    for (const repo of this.repos.values()) {
      const run = repo.workflowRuns.find((r) => r.id === id);
      if (run) return { repo, run };
    }
    return undefined;
  }

  // Readers for assertions.
  comments(fullName: string, issueNumber?: number): CommentRecord[] {
    const all = this.repo(fullName).comments;
    return issueNumber === undefined ? [...all] : all.filter((c) => c.issueNumber === issueNumber);
  }

  checkRuns(fullName: string): CheckRunRecord[] {
    return [...this.repo(fullName).checkRuns];
  }

  issues(fullName: string): IssueRecord[] {
    return this.repo(fullName).issues.filter((i) => !i.isPullRequest);
  }

  /** Turns the repository's immutable-releases setting on or off (what PUT/DELETE /immutable-releases do). */
  setImmutableReleases(fullName: string, enabled: boolean): void {
    this.repo(fullName).immutableReleases = enabled;
  }

  /** The tag name of an immutable release that locks `ref`, if any (`refs/tags/<name>`). */
  lockedBy(repo: RepoRecord, ref: string): ReleaseRecord | undefined {
    if (!ref.startsWith("refs/tags/")) return undefined;
    const tag = ref.slice("refs/tags/".length);
    return repo.releases.find((r) => r.immutable && r.tagName === tag);
  }

  releases(fullName: string): ReleaseRecord[] {
    return [...this.repo(fullName).releases];
  }

  deployments(fullName: string): DeploymentRecord[] {
    return [...this.repo(fullName).deployments];
  }

  dispatches(fullName: string): DispatchRecord[] {
    return [...this.repo(fullName).dispatches];
  }

  refs(fullName: string): Map<string, string> {
    return new Map(this.repo(fullName).refs);
  }
}
