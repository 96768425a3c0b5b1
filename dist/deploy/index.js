import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{c as o,f as t}from"../chunks/chunk-CASZTA72.js";import"../chunks/chunk-WTKVJEWS.js";async function e(){await t(()=>{throw new o("The deploy action is not implemented yet in this version of mlops-actions. Remove the step or pin a release that has it.")})}await e();
