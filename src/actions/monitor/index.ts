// Entry point of the monitor action (dist/monitor/index.js).
import { run } from "./main.ts";

await run();
