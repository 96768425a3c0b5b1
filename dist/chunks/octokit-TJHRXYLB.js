import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a}from"./chunk-QCSOOFM4.js";import"./chunk-RANO7Q6W.js";import"./chunk-B7WWLJHO.js";import"./chunk-4KE4EA3C.js";import"./chunk-QFO2T262.js";import"./chunk-YQQXVDUK.js";import"./chunk-2PXUWB66.js";import"./chunk-JORFCKIY.js";export{a as createOctokit};
