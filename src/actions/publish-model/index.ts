// Entry point of the publish-model action (dist/publish-model/index.js).
import { run } from "./main.ts";

await run();
