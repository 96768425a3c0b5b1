// Gathers what decideGate (src/gate/gate-requirement.ts) judges, place by place, stopping at the first
// place that passes: this job's $RUNNER_TEMP/mlops/*/mlops-gate.json, this run's mlops-gate-* artifacts,
// then gate check runs on the record's head commit. A place that cannot be searched (no artifact service,
// a missing permission) is reported as such rather than failing the step on its own.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { GATE_CHECK_NAME_PREFIX, parseGateCheckText } from "../../verdict/check-marker.ts";
import { gateArtifactName, parseGateRecord } from "../../verdict/gate-record.ts";
import { GATE_RECORD_FILE } from "../../verdict/report.ts";
import { decideGate, type GateDecision, type SearchedPlace } from "../../verdict/gate-requirement.ts";
import { artifactServiceProblem } from "../../lib/artifacts.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { firstLine, httpStatus, needsPermission } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";

export interface GateSearch {
  recordSha256: string;
  recordLabel: string;
  runnerTemp: string;
  owner: string;
  repo: string;
  /** The record's head commit (code.headSha, else code.sha): where evaluate-gate puts its check run. */
  headSha: string;
  runId: string;
  github: () => Promise<GitHubClient>;
}

/** What every gateArtifactName(<comment-key>) starts with. */
const GATE_ARTIFACT_PREFIX = gateArtifactName("");

export async function requireGate(search: GateSearch): Promise<Extract<GateDecision, { passed: true }>> {
  const looks: [string, (s: GateSearch) => Promise<SearchedPlace>][] = [
    ["$RUNNER_TEMP/mlops/", inRunnerTemp],
    [`this run's ${GATE_ARTIFACT_PREFIX}* artifacts`, inRunArtifacts],
    ["gate check runs", inCheckRuns],
  ];
  const places: SearchedPlace[] = [];
  for (const [name, look] of looks) {
    places.push(await look(search).catch((error: unknown) => unsearched(name, error)));
    const decision = decideGate(search.recordSha256, search.recordLabel, places);
    if (decision.passed) return decision;
    if (places.length === looks.length) throw decision.error;
  }
  throw new Error("no gate places to search");
}

/** A place GitHub or the artifact service would not let us search: named in the refusal. */
function unsearched(place: string, error: unknown): SearchedPlace {
  if (!(error instanceof ConfigurationError) && httpStatus(error) === undefined) throw error;
  return { place, evidence: [], problem: firstLine(error) };
}

async function gateRecordsIn(
  root: string,
  where: (dir: string) => string,
): Promise<SearchedPlace["evidence"]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const evidence: SearchedPlace["evidence"] = [];
  for (const entry of entries.sort()) {
    const file = join(root, entry, GATE_RECORD_FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    try {
      evidence.push({
        kind: "gate-record",
        where: where(entry),
        record: parseGateRecord(JSON.parse(text) as unknown, file),
      });
    } catch {
      // Not a gate record this version reads: not evidence.
    }
  }
  return evidence;
}

async function inRunnerTemp(search: GateSearch): Promise<SearchedPlace> {
  const root = join(search.runnerTemp, "mlops");
  return {
    place: `$RUNNER_TEMP/mlops/ (${root})`,
    evidence: await gateRecordsIn(root, (entry) => join(root, entry, GATE_RECORD_FILE)),
  };
}

async function inRunArtifacts(search: GateSearch): Promise<SearchedPlace> {
  const place = `this run's ${GATE_ARTIFACT_PREFIX}* artifacts (run ${search.runId})`;
  const problem = artifactServiceProblem("Reading this run's gate artifacts");
  if (problem !== undefined) return { place, evidence: [], problem };
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  const { artifacts } = await client.listArtifacts({ latest: true });
  const gates = artifacts.filter((a) => a.name.startsWith(GATE_ARTIFACT_PREFIX));
  const directory = await mkdtemp(join(search.runnerTemp, "mlops-publish-gates-"));
  for (const artifact of gates) {
    await client.downloadArtifact(artifact.id, { path: join(directory, artifact.name) });
  }
  return { place, evidence: await gateRecordsIn(directory, (entry) => `artifact ${entry}`) };
}

async function inCheckRuns(search: GateSearch): Promise<SearchedPlace> {
  const place = `gate check runs on ${search.headSha.slice(0, 12)}`;
  const github = await search.github();
  const runs = await needsPermission(
    "checks: read",
    `list the check runs of ${search.headSha.slice(0, 12)}`,
    () =>
      github.paginate(github.rest.checks.listForRef, {
        owner: search.owner,
        repo: search.repo,
        ref: search.headSha,
        status: "completed",
        per_page: 100,
      }),
  );
  return {
    place,
    evidence: runs
      .filter((run) => run.name.startsWith(GATE_CHECK_NAME_PREFIX))
      .map((run) => ({
        kind: "check-run" as const,
        where: `check run '${run.name}' (id ${run.id})`,
        conclusion: run.conclusion,
        candidates: parseGateCheckText(run.output.text),
      })),
  };
}
