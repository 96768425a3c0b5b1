import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a as o,b as r}from"../chunks/chunk-3WUQDS4Q.js";async function t(){await r(()=>{throw new o("train-model is being built; not implemented yet.")})}await t();
