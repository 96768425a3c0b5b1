// Entry point of the train-model action (dist/train-model/index.js).
import { run } from "./main.ts";

await run();
