import { runAction } from "../../lib/action.ts";
import { NotImplementedError } from "../../formats/errors.ts";

// The action exists with its declared inputs so workflows can be written against it, but it must never
// pretend to work before its own issue lands.
export async function run(): Promise<void> {
  await runAction(() => {
    throw new NotImplementedError(
      "The publish-model action is not implemented yet in this version of mlops-actions. Remove the step or pin a release that has it.",
    );
  });
}
