// The workflow runner of the rig: whole workflow files and composite actions on top of
// @actions/workflow-parser and @actions/expressions. See testing/rig/README.md, "Workflows".
export { runWorkflow } from "./run-workflow.ts";
export type { JobConclusion, JobResult, RunWorkflowOptions, WorkflowResult } from "./run-workflow.ts";
export type { StepRecord, StepOutcome } from "./steps.ts";
export type { StandIn, StandInCall, StandInResult } from "./stand-ins.ts";
export { parseActionFile, parseWorkflowFile, parseActionText, parseWorkflowText } from "./parser.ts";
export type { ParsedFile } from "./parser.ts";
export { resolveUses } from "./uses.ts";
export type { UsesTarget } from "./uses.ts";
