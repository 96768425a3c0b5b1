// The test rig: runs this repository's actions (or fixture actions) the way the GitHub runner does.
export { runAction } from "./run-action.ts";
export type { ActionResult, RunActionOptions, StepConclusion } from "./run-action.ts";
export { findNode24 } from "./node.ts";
export { loadActionManifest, resolveActionDir } from "./manifest.ts";
export type { ActionInput, ActionManifest, ActionRuns } from "./manifest.ts";
export type { EventOptions, GitHubOptions } from "./events.ts";
export type { Annotation, AnnotationLevel, Group } from "./workflow-commands.ts";
