import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a}from"./chunk-AQ4DTE43.js";import"./chunk-RANO7Q6W.js";import"./chunk-JNQK52MM.js";import"./chunk-4KE4EA3C.js";import"./chunk-QFO2T262.js";import"./chunk-YQQXVDUK.js";import"./chunk-2PXUWB66.js";import"./chunk-JORFCKIY.js";export{a as createOctokit};
