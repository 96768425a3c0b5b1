// Pull requests, and the PRs associated with a commit.
import { json, notFound, paginate, type Handlers } from "../http.ts";
import { renderPull } from "../representations.ts";

export const pullHandlers: Handlers = {
  "pulls/list": {
    permission: ["pull_requests", "read"],
    handle: (ctx) => {
      const state = (ctx.query.state as string | undefined) ?? "open";
      const head = ctx.query.head as string | undefined; // "user:ref"
      const base = ctx.query.base as string | undefined;
      const pulls = ctx.repo.pulls
        .filter((p) => state === "all" || p.state === state)
        .filter(
          (p) => head === undefined || `${p.head.repoFullName.split("/")[0] ?? ""}:${p.head.ref}` === head,
        )
        .filter((p) => base === undefined || p.base.ref === base)
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(ctx, pulls);
      return json(
        200,
        page.map((p) => renderPull(ctx.render, ctx.repo, p)),
        headers,
      );
    },
  },
  "pulls/get": {
    permission: ["pull_requests", "read"],
    handle: (ctx) => {
      const pull = ctx.repo.pulls.find((p) => p.number === ctx.params.pull_number);
      if (!pull) throw notFound(ctx.docs);
      return json(200, renderPull(ctx.render, ctx.repo, pull));
    },
  },
  "repos/list-pull-requests-associated-with-commit": {
    permission: ["pull_requests", "read"],
    handle: (ctx) => {
      // GitHub accepts a branch name here too ("set commit_sha to the branch name"). A fork PR's head
      // commit exists only in the fork, so asking the base repository about it finds nothing (verified
      // against api.github.com, see TooTallNate/nx.js#410); its merge commit, once merged, is found.
      const wanted = String(ctx.params.commit_sha);
      const sha = ctx.repo.refs.get(`refs/heads/${wanted}`) ?? wanted;
      const pulls = ctx.repo.pulls
        .filter((p) => (p.head.sha === sha && !p.fork) || (p.merged && p.mergeCommitSha === sha))
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(ctx, pulls);
      return json(
        200,
        page.map((p) => renderPull(ctx.render, ctx.repo, p)),
        headers,
      );
    },
  },
};
