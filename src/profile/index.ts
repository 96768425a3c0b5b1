export { profileCsv, quantile, OTHER } from "./data-profile.ts";
export type { DataProfile, ProfileOptions } from "./data-profile.ts";
