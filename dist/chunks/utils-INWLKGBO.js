import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{b as a,c as b,d as c,e as d,f as e}from"./chunk-OYGIBGTA.js";import"./chunk-FC7XWT6L.js";import"./chunk-2PXUWB66.js";import"./chunk-JORFCKIY.js";export{d as GitHub,b as context,c as defaults,e as getOctokitOptions,a as getUserAgentWithOrchestrationId};
