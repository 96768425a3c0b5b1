// Entry point of the evaluate-gate action (dist/evaluate-gate/index.js).
import { run } from "./main.ts";

await run();
