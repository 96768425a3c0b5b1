export { profileCsv, quantile, OTHER } from "./data-profile.ts";
export type { DataProfile, ProfileOptions } from "./data-profile.ts";
export { CsvParser, parseCsv, readCsvRows } from "./csv.ts";
export type { CsvRow } from "./csv.ts";
