import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{c as t,f as o}from"../chunks/chunk-CASZTA72.js";import"../chunks/chunk-WTKVJEWS.js";async function r(){await o(()=>{throw new t("evaluate-gate is being built; not implemented yet.")})}await r();
