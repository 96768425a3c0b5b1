import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a as r}from"./chunk-YQQXVDUK.js";var i=1024*1024;async function a(n,t){if(!process.env.GITHUB_STEP_SUMMARY)return;let e=n;Buffer.byteLength(e)>i-1024&&(e=t?t():`${e.slice(0,i/2)}

\u2026 (cut: over GitHub's 1 MiB summary limit)
`),await r.addRaw(e,!0).write()}export{a};
