import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a}from"./chunk-BGP2HXUC.js";import"./chunk-RANO7Q6W.js";import"./chunk-JT56ETPC.js";import"./chunk-4KE4EA3C.js";import"./chunk-536KZRXN.js";import"./chunk-YQQXVDUK.js";import"./chunk-2PXUWB66.js";import"./chunk-JORFCKIY.js";export{a as createOctokit};
