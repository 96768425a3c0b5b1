// CNCF ModelPack artifacts as data: build one from a run record, read one back. No I/O here.
export * from "./media-types.ts";
export * from "./annotations.ts";
export * from "./artifact.ts";
export * from "./reader.ts";
