export { readMetricsFile, parseMetricsText, metricsFormatOf } from "./metrics-file.ts";
export type { FlatMetrics, IgnoredMetric, MetricsFormat } from "./metrics-file.ts";
export { readHistoryFile, parseHistoryText } from "./history-file.ts";
export type { HistoryFile } from "./history-file.ts";
