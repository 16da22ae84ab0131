/** `npm run manifest`: writes slack-manifest.yml from the command definitions (a test checks it is current). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { slackManifest } from "../src/bot/slack/slack-manifest.ts";
import { CommandRegistry } from "../src/core/command-registry.ts";
import { COMMANDS } from "../src/handlers/index.ts";

const path = fileURLToPath(new URL("../slack-manifest.yml", import.meta.url));
writeFileSync(path, slackManifest(new CommandRegistry(COMMANDS)));
console.log(`wrote ${path}`);
