// State handed from an action's main step to its post step (GITHUB_STATE), as JSON.
// Readers validate what they get back: state is written by an earlier process.
import * as core from "@actions/core";

export function saveJsonState(name: string, value: unknown): void {
  core.saveState(name, JSON.stringify(value));
}

export function readJsonState(name: string): unknown {
  const raw = core.getState(name);
  return raw === "" ? undefined : (JSON.parse(raw) as unknown);
}
