#!/usr/bin/env node
// Writes the input and output tables of each action's README from its action.yml, between the markers
// <!-- inputs:start --> … <!-- inputs:end --> and <!-- outputs:start --> … <!-- outputs:end -->.
// `--check` fails when a README is stale (tests run it), so the tables cannot drift from the manifests.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");

const cell = (text) =>
  String(text ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ")
    .trim();
const code = (text) => (text === undefined || text === "" ? "" : `\`${cell(text)}\``);

export function inputsTable(manifest) {
  const rows = Object.entries(manifest.inputs ?? {}).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.required ? "yes" : "no"} | ${code(spec.default)} | ${cell(spec.description)} |`,
  );
  return ["| input | required | default | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export function outputsTable(manifest) {
  const rows = Object.entries(manifest.outputs ?? {}).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`,
  );
  return ["| output | description |", "| --- | --- |", ...rows].join("\n");
}

function replaceBetween(text, marker, body) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return text;
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

const stale = [];
const dirs = [".", ...readdirSync(join(root, "actions")).map((name) => join("actions", name))];
for (const dir of dirs) {
  const readme = join(root, dir, "README.md");
  if (!existsSync(readme)) {
    if (dir !== ".") stale.push(`${dir}/README.md is missing`);
    continue;
  }
  const manifest = parse(readFileSync(join(root, dir, "action.yml"), "utf8"));
  const before = readFileSync(readme, "utf8");
  const after = replaceBetween(
    replaceBetween(before, "inputs", inputsTable(manifest)),
    "outputs",
    outputsTable(manifest),
  );
  if (after === before) continue;
  if (check) stale.push(`${dir}/README.md`);
  else writeFileSync(readme, after);
}
if (stale.length > 0) {
  console.error(`Action docs are stale or missing; run 'npm run docs':\n  ${stale.join("\n  ")}`);
  process.exit(1);
}
