// Entry point of the deploy action (dist/deploy/index.js).
import { run } from "./main.ts";

await run();
