import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a}from"./chunk-4HCOAARM.js";import"./chunk-A6B52VQ4.js";import"./chunk-FC7XWT6L.js";import"./chunk-YQQXVDUK.js";import"./chunk-JORFCKIY.js";export{a as createOctokit};
