import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);
import{a as g}from"./chunk-QFO2T262.js";import{availableParallelism as H}from"node:os";import{Worker as O}from"node:worker_threads";import{createRequire as z}from"node:module";var B=4*1024*1024,b=String.raw`
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const BUFFER = Buffer.allocUnsafe(${B});
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0) | (fs.constants.O_NONBLOCK || 0);
const LFS_PREFIX = "version https://git-lfs.github.com/spec/v1";
const LFS_MAX = 1024;

function hashOne(path) {
  let fd;
  try {
    fd = fs.openSync(path, FLAGS);
  } catch (error) {
    return { error: error.code || String(error) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { error: "not-a-regular-file" };
    const hash = createHash("sha256");
    let size = 0;
    let head;
    for (;;) {
      const n = fs.readSync(fd, BUFFER, 0, BUFFER.length, null);
      if (n === 0) break;
      if (size === 0 && n <= LFS_MAX && stat.size <= LFS_MAX) head = BUFFER.toString("utf8", 0, n);
      hash.update(n === BUFFER.length ? BUFFER : BUFFER.subarray(0, n));
      size += n;
    }
    const result = { sha256: hash.digest("hex"), size };
    if (head !== undefined && size === head.length && head.startsWith(LFS_PREFIX)) {
      const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(head);
      const lfsSize = /^size (\d+)$/m.exec(head);
      if (oid && lfsSize) {
        result.lfsOid = oid[1];
        result.lfsSize = Number(lfsSize[1]);
      }
    }
    return result;
  } catch (error) {
    return { error: error.code || String(error) };
  } finally {
    fs.closeSync(fd);
  }
}
`,k=`"use strict";
${b}
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (task) => {
  parentPort.postMessage({ id: task.id, results: task.paths.map(hashOne) });
});
`;function S(){return new Function("require",`"use strict";${b}
return hashOne;`)(z(import.meta.url))}var w={largeFileBytes:8<<20,batchBytes:32<<20,batchFiles:1024,inThreadFiles:256,inThreadBytes:16<<20};function W(r,e){if(r.length>e.inThreadFiles)return!1;let s=0;for(let a of r)s+=a.size;return s<=e.inThreadBytes}var R;function x(){return R??=S(),R}async function q(r,e={}){let s=new d(e);try{return await s.hash(r)}finally{await s.close()}}var d=class{workers=[];threads;limits;busy=!1;constructor(e={}){this.limits={...w,...v(e)},this.threads=Math.max(1,e.threads??H())}async hash(e){if(e.length===0)return[];if(W(e,this.limits))return E(e,e.map(s=>x()(s.path)));if(this.busy)throw new Error("HashPool.hash() is already running; await it before the next call");this.busy=!0;try{return E(e,await this.run(e))}finally{this.busy=!1}}async close(){await Promise.all(this.workers.map(e=>e.terminate())),this.workers=[]}prestart(){this.start()}start(){if(this.workers.length===0){this.workers=Array.from({length:this.threads},()=>new O(k,{eval:!0}));for(let e of this.workers)e.on("error",()=>{})}return this.workers}async run(e){let s=A(e,this.limits),a=new Array(e.length),t=0;return await Promise.all(this.start().slice(0,s.length).map(n=>new Promise((o,i)=>{let l=()=>{n.off("message",F),n.off("error",p),n.off("exit",y)},f=()=>{let h=s[t];if(h===void 0){l(),o();return}let u={id:t,paths:h.map(c=>e[c]?.path??"")};t++,n.postMessage(u)},F=h=>{let u=s[h.id]??[];h.results.forEach((c,T)=>{let m=u[T];m!==void 0&&(a[m]=c)}),f()},p=h=>{l(),i(h)},y=h=>{l(),i(new Error(`hash worker exited early with code ${h}`))};n.on("message",F),n.on("error",p),n.on("exit",y),f()}))),a}};function E(r,e){return r.map((s,a)=>{let t=e[a],n=s.label??s.path;if(t?.sha256===void 0||t.size===void 0){let i=t?.error??"no result";throw new g(`${n}: cannot read the file to hash it (${i==="not-a-regular-file"?"it is no longer a regular file":i}). Check that it exists and is readable, and that nothing changes it while the action runs.`,{file:n})}let o={sha256:t.sha256,size:t.size};return t.lfsOid!==void 0&&t.lfsSize!==void 0&&(o.lfs={oid:t.lfsOid,size:t.lfsSize}),o})}function A(r,e){let s=r.map((o,i)=>i).sort((o,i)=>(r[i]?.size??0)-(r[o]?.size??0)),a=[],t=[],n=0;for(let o of s){let i=r[o]?.size??0;if(i>=e.largeFileBytes){a.push([o]);continue}t.push(o),n+=i,(n>=e.batchBytes||t.length>=e.batchFiles)&&(a.push(t),t=[],n=0)}return t.length>0&&a.push(t),a}function v(r){let e={};return r.largeFileBytes!==void 0&&(e.largeFileBytes=r.largeFileBytes),r.batchBytes!==void 0&&(e.batchBytes=r.batchBytes),r.batchFiles!==void 0&&(e.batchFiles=r.batchFiles),e}export{q as a,d as b};
