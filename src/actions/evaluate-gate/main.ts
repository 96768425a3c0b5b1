import { runAction } from "../../lib/action.ts";
import { NotImplementedError } from "../../lib/errors.ts";

export async function run(): Promise<void> {
  await runAction(() => {
    throw new NotImplementedError("evaluate-gate is being built; not implemented yet.");
  });
}
