// Every workflow, starter template and action file this repository ships, for the checks over all of them.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../../..");

/** action.yml files under actions/, nested ones (e.g. setup-env/install) included. */
function actionsUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const sub = join(dir, entry.name);
      const file = join(sub, "action.yml");
      return [...(existsSync(join(root, file)) ? [file] : []), ...actionsUnder(sub)];
    });
}

export const actionFiles = ["action.yml", ...actionsUnder("actions")];

export const workflowFiles = [
  ...readdirSync(join(root, ".github", "workflows"))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(".github", "workflows", name)),
  ...readdirSync(join(root, "workflows-templates"))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join("workflows-templates", name)),
];
