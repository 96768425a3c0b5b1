// Entry point of the setup-env install step (dist/setup-env/index.js), run by actions/setup-env/install.
import { run } from "./main.ts";

await run();
