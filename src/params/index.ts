export {
  DEFAULT_PARAMS_FILE,
  loadParams,
  mergeParams,
  parseParamsOverride,
  readParamsFile,
  writeParamsJson,
} from "./params.ts";
export type { LoadParamsOptions, LoadedParams, Params } from "./params.ts";
