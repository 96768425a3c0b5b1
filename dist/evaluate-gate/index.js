import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a as t,b as o}from"../chunks/chunk-3WUQDS4Q.js";async function r(){await o(()=>{throw new t("evaluate-gate is being built; not implemented yet.")})}await r();
