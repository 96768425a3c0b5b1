#!/usr/bin/env node
// Adds up the suites' reports (vitest JSON, pytest JUnit XML) into one closing line, and lists what the
// suites report as not run here (vitest todo entries: tools no reachable registry offers).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? ".tmp/test-reports";
let passed = 0;
let failed = 0;
let skipped = 0;
const notRunHere = [];
for (const name of ["unit.json", "integration.json"]) {
  const file = join(dir, name);
  if (!existsSync(file)) {
    console.error(`${file} is missing: that suite did not report.`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  for (const suite of report.testResults) {
    for (const test of suite.assertionResults) if (test.status === "todo") notRunHere.push(test.title);
  }
}
const junit = join(dir, "examples.xml");
if (existsSync(junit)) {
  const head = /<testsuite\b[^>]*>/.exec(readFileSync(junit, "utf8"))?.[0] ?? "";
  const count = (attr) => Number(new RegExp(`\\b${attr}="(\\d+)"`).exec(head)?.[1] ?? 0);
  const total = count("tests");
  const bad = count("failures") + count("errors");
  passed += total - bad - count("skipped");
  failed += bad;
  skipped += count("skipped");
} else {
  console.error(`${junit} is missing: the examples' pytest suites did not report.`);
  failed += 1;
}
for (const title of notRunHere) console.log(title);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
