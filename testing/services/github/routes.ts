// The REST operations the GitHub double serves: one line each. scripts/openapi/update-subset.mjs reads this
// list to cut the OpenAPI subset the double validates against, so adding a route means adding one line here
// (and a handler under api/). Erasable TypeScript with no imports, so plain Node can load it.

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RouteSpec {
  method: HttpMethod;
  /** The path template exactly as GitHub's OpenAPI description spells it. */
  path: string;
  /** GitHub's operationId (also the handler's key). */
  operationId: string;
  /** The last path parameter may contain slashes (git refs such as `heads/main`). */
  greedyLastParam?: boolean;
  /** Served under `/uploads` (GitHub serves it from uploads.github.com; `upload_url` points there). */
  uploads?: boolean;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: "GET", path: "/repos/{owner}/{repo}", operationId: "repos/get" },
  { method: "POST", path: "/repos/{owner}/{repo}/dispatches", operationId: "repos/create-dispatch-event" },
  // A file (or directory) at a commit, branch or tag.
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/contents/{path}",
    operationId: "repos/get-content",
    greedyLastParam: true,
  },
  // Issues and their comments (PR comments are issue comments).
  { method: "GET", path: "/repos/{owner}/{repo}/issues", operationId: "issues/list-for-repo" },
  { method: "POST", path: "/repos/{owner}/{repo}/issues", operationId: "issues/create" },
  { method: "GET", path: "/repos/{owner}/{repo}/issues/{issue_number}", operationId: "issues/get" },
  { method: "PATCH", path: "/repos/{owner}/{repo}/issues/{issue_number}", operationId: "issues/update" },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    operationId: "issues/list-comments",
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    operationId: "issues/create-comment",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    operationId: "issues/get-comment",
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    operationId: "issues/update-comment",
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    operationId: "issues/delete-comment",
  },
  // Pull requests.
  { method: "GET", path: "/repos/{owner}/{repo}/pulls", operationId: "pulls/list" },
  { method: "GET", path: "/repos/{owner}/{repo}/pulls/{pull_number}", operationId: "pulls/get" },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
    operationId: "repos/list-pull-requests-associated-with-commit",
  },
  // Check runs.
  { method: "POST", path: "/repos/{owner}/{repo}/check-runs", operationId: "checks/create" },
  { method: "GET", path: "/repos/{owner}/{repo}/check-runs/{check_run_id}", operationId: "checks/get" },
  { method: "PATCH", path: "/repos/{owner}/{repo}/check-runs/{check_run_id}", operationId: "checks/update" },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    operationId: "checks/list-for-ref",
  },
  // Actions: workflow runs and artifacts.
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/runs",
    operationId: "actions/list-workflow-runs-for-repo",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/runs/{run_id}",
    operationId: "actions/get-workflow-run",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
    operationId: "actions/list-workflow-run-artifacts",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/artifacts",
    operationId: "actions/list-artifacts-for-repo",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}",
    operationId: "actions/get-artifact",
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}",
    operationId: "actions/delete-artifact",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
    operationId: "actions/download-artifact",
  },
  // Releases and their assets.
  { method: "GET", path: "/repos/{owner}/{repo}/releases", operationId: "repos/list-releases" },
  { method: "POST", path: "/repos/{owner}/{repo}/releases", operationId: "repos/create-release" },
  { method: "GET", path: "/repos/{owner}/{repo}/releases/{release_id}", operationId: "repos/get-release" },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/releases/{release_id}",
    operationId: "repos/update-release",
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/releases/{release_id}",
    operationId: "repos/delete-release",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/tags/{tag}",
    operationId: "repos/get-release-by-tag",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/{release_id}/assets",
    operationId: "repos/list-release-assets",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/assets/{asset_id}",
    operationId: "repos/get-release-asset",
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/releases/assets/{asset_id}",
    operationId: "repos/delete-release-asset",
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/releases/{release_id}/assets",
    operationId: "repos/upload-release-asset",
    uploads: true,
  },
  // Immutable releases: a published release's tag and assets are locked (the repository setting).
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/immutable-releases",
    operationId: "repos/check-immutable-releases",
  },
  {
    method: "PUT",
    path: "/repos/{owner}/{repo}/immutable-releases",
    operationId: "repos/enable-immutable-releases",
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/immutable-releases",
    operationId: "repos/disable-immutable-releases",
  },
  // Git database: refs and annotated tags.
  { method: "POST", path: "/repos/{owner}/{repo}/git/refs", operationId: "git/create-ref" },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/ref/{ref}",
    operationId: "git/get-ref",
    greedyLastParam: true,
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/git/refs/{ref}",
    operationId: "git/update-ref",
    greedyLastParam: true,
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/git/refs/{ref}",
    operationId: "git/delete-ref",
    greedyLastParam: true,
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/matching-refs/{ref}",
    operationId: "git/list-matching-refs",
    greedyLastParam: true,
  },
  { method: "POST", path: "/repos/{owner}/{repo}/git/tags", operationId: "git/create-tag" },
  { method: "GET", path: "/repos/{owner}/{repo}/git/tags/{tag_sha}", operationId: "git/get-tag" },
  // Deployments, their statuses, environments.
  { method: "GET", path: "/repos/{owner}/{repo}/deployments", operationId: "repos/list-deployments" },
  { method: "POST", path: "/repos/{owner}/{repo}/deployments", operationId: "repos/create-deployment" },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/deployments/{deployment_id}",
    operationId: "repos/get-deployment",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    operationId: "repos/list-deployment-statuses",
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    operationId: "repos/create-deployment-status",
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/environments/{environment_name}",
    operationId: "repos/get-environment",
  },
  {
    method: "PUT",
    path: "/repos/{owner}/{repo}/environments/{environment_name}",
    operationId: "repos/create-or-update-environment",
  },
];

/** "METHOD /path/template", the key faults, holds and recorded requests use. */
export function routeKey(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
