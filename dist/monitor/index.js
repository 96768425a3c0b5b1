import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a as o,b as t}from"../chunks/chunk-3WUQDS4Q.js";async function e(){await t(()=>{throw new o("The monitor action is not implemented yet in this version of mlops-actions. Remove the step or pin a release that has it.")})}await e();
