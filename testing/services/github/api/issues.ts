// Issues (alerts) and issue comments (PR comments are issue comments).
import {
  actor,
  field,
  json,
  notFound,
  paginate,
  str,
  validationFailed,
  type Handlers,
  type RequestContext,
} from "../http.ts";
import { renderComment, renderIssue } from "../representations.ts";
import { timestamp, type CommentRecord, type IssueRecord } from "../state.ts";

/** GitHub's limit on issue and comment bodies. */
export const MAX_BODY_CHARACTERS = 65_536;

function checkBodyLength(ctx: RequestContext, resource: string, body: string | undefined): void {
  if (body !== undefined && body.length > MAX_BODY_CHARACTERS) {
    throw validationFailed(ctx.docs, {
      resource,
      code: "custom",
      field: "body",
      message: `body is too long (maximum is ${MAX_BODY_CHARACTERS} characters)`,
    });
  }
}

function findIssue(ctx: RequestContext): IssueRecord {
  const issue = ctx.repo.issues.find((i) => i.number === ctx.params.issue_number);
  if (!issue) throw notFound(ctx.docs);
  return issue;
}

function findComment(ctx: RequestContext): CommentRecord {
  const comment = ctx.repo.comments.find((c) => c.id === ctx.params.comment_id);
  if (!comment) throw notFound(ctx.docs);
  return comment;
}

function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((label: unknown) => (typeof label === "string" ? label : str(label, "name")))
    .filter((name): name is string => typeof name === "string");
}

export const issueHandlers: Handlers = {
  "issues/list-for-repo": {
    permission: ["issues", "read"],
    handle: (ctx) => {
      // Like GitHub, pull requests are listed too (they carry a `pull_request` key).
      const state = (ctx.query.state as string | undefined) ?? "open";
      const labels = typeof ctx.query.labels === "string" ? ctx.query.labels.split(",").filter(Boolean) : [];
      const creator = ctx.query.creator as string | undefined;
      const direction = (ctx.query.direction as string | undefined) ?? "desc";
      const issues = ctx.repo.issues
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => labels.every((l) => i.labels.includes(l)))
        .filter((i) => creator === undefined || i.user.toLowerCase() === creator.toLowerCase())
        .sort((a, b) => (direction === "asc" ? a.number - b.number : b.number - a.number));
      const { page, headers } = paginate(ctx, issues);
      return json(
        200,
        page.map((i) => renderIssue(ctx.render, ctx.repo, i)),
        headers,
      );
    },
  },
  "issues/create": {
    permission: ["issues", "write"],
    handle: (ctx) => {
      const body = str(ctx.body, "body");
      checkBodyLength(ctx, "Issue", body);
      const now = timestamp();
      const title = field(ctx.body, "title");
      const issue: IssueRecord = {
        id: ctx.render.state.id(),
        number: ctx.repo.nextNumber++,
        title: String(title),
        body: body ?? null,
        state: "open",
        stateReason: null,
        labels: labelNames(field(ctx.body, "labels")),
        assignees: (field(ctx.body, "assignees") as string[] | undefined) ?? [],
        user: actor(ctx),
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        isPullRequest: false,
      };
      ctx.repo.issues.push(issue);
      const rendered = renderIssue(ctx.render, ctx.repo, issue);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "issues/get": {
    permission: ["issues", "read"],
    handle: (ctx) => json(200, renderIssue(ctx.render, ctx.repo, findIssue(ctx))),
  },
  "issues/update": {
    permission: ["issues", "write"],
    handle: (ctx) => {
      const issue = findIssue(ctx);
      const body = ctx.body ?? {};
      const title = field(body, "title");
      if (typeof title === "string" || typeof title === "number") issue.title = String(title);
      if (field(body, "body") !== undefined) issue.body = (field(body, "body") as string | null) ?? null;
      checkBodyLength(ctx, "Issue", issue.body ?? undefined);
      const state = str(body, "state");
      if (state === "open" || state === "closed") {
        if (state !== issue.state) issue.closedAt = state === "closed" ? timestamp() : null;
        issue.state = state;
        issue.stateReason =
          state === "closed"
            ? ((str(body, "state_reason") as IssueRecord["stateReason"]) ?? "completed")
            : "reopened";
      }
      if (field(body, "labels") !== undefined) issue.labels = labelNames(field(body, "labels"));
      if (field(body, "assignees") !== undefined)
        issue.assignees = (field(body, "assignees") as string[] | null) ?? [];
      issue.updatedAt = timestamp();
      return json(200, renderIssue(ctx.render, ctx.repo, issue));
    },
  },
  "issues/list-comments": {
    permission: ["issues", "read"],
    handle: (ctx) => {
      const issue = findIssue(ctx);
      const since = ctx.query.since as string | undefined;
      const comments = ctx.repo.comments
        .filter((c) => c.issueNumber === issue.number)
        .filter((c) => since === undefined || c.updatedAt >= since);
      const { page, headers } = paginate(ctx, comments);
      return json(
        200,
        page.map((c) => renderComment(ctx.render, ctx.repo, c)),
        headers,
      );
    },
  },
  "issues/create-comment": {
    permission: ["issues", "write"],
    handle: (ctx) => {
      const issue = findIssue(ctx);
      const body = str(ctx.body, "body") ?? "";
      checkBodyLength(ctx, "IssueComment", body);
      const now = timestamp();
      const comment: CommentRecord = {
        id: ctx.render.state.id(),
        issueNumber: issue.number,
        body,
        user: actor(ctx),
        createdAt: now,
        updatedAt: now,
      };
      ctx.repo.comments.push(comment);
      const rendered = renderComment(ctx.render, ctx.repo, comment);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "issues/get-comment": {
    permission: ["issues", "read"],
    handle: (ctx) => json(200, renderComment(ctx.render, ctx.repo, findComment(ctx))),
  },
  "issues/update-comment": {
    permission: ["issues", "write"],
    handle: (ctx) => {
      const comment = findComment(ctx);
      const body = str(ctx.body, "body") ?? "";
      checkBodyLength(ctx, "IssueComment", body);
      comment.body = body;
      comment.updatedAt = timestamp();
      return json(200, renderComment(ctx.render, ctx.repo, comment));
    },
  },
  "issues/delete-comment": {
    permission: ["issues", "write"],
    handle: (ctx) => {
      const comment = findComment(ctx);
      ctx.repo.comments.splice(ctx.repo.comments.indexOf(comment), 1);
      return { status: 204 };
    },
  },
};
