// evaluate-gate's pure domain: rules and directions grammars, noise statistics, the verdict and the
// report renderings. No @actions/* imports: src/actions/evaluate-gate wires inputs, files and GitHub.
export { evaluateGate } from "./evaluate.ts";
export type { BaselineInput, CandidateInput, GateInput, GateOptions } from "./evaluate.ts";
export {
  FAIL_ON_VALUES,
  GATE_RECORD_FILE,
  GATE_REPORT_SCHEMA,
  GATE_REPORT_SCHEMA_VERSION,
  VERDICTS,
  verdictPasses,
} from "./report.ts";
export type {
  BaselineInfo,
  CandidateReport,
  Change,
  CodeContext,
  ContextDiff,
  ContextRow,
  Curve,
  Estimate,
  FailOn,
  GateReport,
  Links,
  MetricRow,
  PassedOverRun,
  PolicyFileSource,
  RuleResult,
  RuleStatus,
  Verdict,
} from "./report.ts";
export {
  COMMENT_BUDGET,
  COMMENT_MAX_CHARS,
  FULL_REPORT_MAX_BYTES,
  REPORT_ONLY,
  gateTitle,
  isReportOnly,
  renderComment,
  renderFullReport,
} from "./render.ts";
export type { CommentOptions, FullReportOptions, RenderOptions } from "./render.ts";
export { commentMarker, escapeText } from "../formats/markdown.ts";
export { parseRules } from "./rules.ts";
export type { Comparator, Expression, Rule, Severity } from "./rules.ts";
export { DirectionResolver, directionFromName, parseDirections } from "./directions.ts";
export type { Direction, DirectionSource } from "./directions.ts";
export { prepareMetrics } from "./metrics.ts";
export type { PreparedMetrics } from "./metrics.ts";
export { studentTCdf, studentTQuantile, summarizeSample } from "./statistics.ts";
export type { SampleSummary } from "./statistics.ts";
export type { TextSource } from "./syntax.ts";
