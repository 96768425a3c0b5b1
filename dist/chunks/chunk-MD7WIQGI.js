import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
var i="mlops-actions/gate-report";var o=["error","inconclusive","warn","never"],t={pass:0,warn:1,inconclusive:2,fail:3},n={warn:1,inconclusive:2,error:3,never:4};function a(e,r){return t[e]<n[r]}function s(e,r){return t[e]>=t[r]?e:r}export{i as a,o as b,a as c,s as d};
