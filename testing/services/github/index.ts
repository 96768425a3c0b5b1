// The stateful GitHub REST double for tests: start it, point GITHUB_API_URL at `double.url`, seed state,
// run the code under test, read state, and `assertNoViolations()`:
//
//   const double = await startGitHubDouble({ repos: ["octo/models"] });
//   double.addToken("ghs_x");                                        // github-actions[bot], write scopes
//   double.addToken("ghs_fork", { permissions: readOnlyPermissions() });
//   double.state.seedPull("octo/models", { number: 3, head: { ref: "f", sha }, fork: true });
//   double.faults.add({ route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", kind: "status", status: 502 });
//   ... run the action with GITHUB_API_URL=double.url, GITHUB_TOKEN=ghs_x ...
//   expect(double.state.comments("octo/models", 3)).toHaveLength(1);
//   double.assertNoViolations();
//   await double.close();
export { startGitHubDouble } from "./server.ts";
export type { GitHubDouble, GitHubDoubleOptions, RecordedRequest, Violation } from "./server.ts";
export { readOnlyPermissions, GITHUB_ACTIONS_BOT } from "./auth.ts";
export type { Permissions, PermissionLevel, PermissionScope, TokenIdentity, TokenOptions } from "./auth.ts";
export type { FaultSpec, Hold } from "./faults.ts";
export { MemoryArtifactSource } from "./memory-artifact-source.ts";
export type { AddArtifact } from "./memory-artifact-source.ts";
export { GitHubState, fakeSha } from "./state.ts";
export type { SeedPull, SeedRepo, SeedWorkflowRun } from "./state.ts";
export { ROUTES, routeKey } from "./routes.ts";
export type { RouteSpec } from "./routes.ts";
export { unzip, zip } from "./zip.ts";
