/**
 * Child process, the baseline of the ack benchmark: a bare Bolt app (HTTPReceiver, signature checked)
 * whose only listener calls `ack()`. Imports nothing of labops. argv[2]: JSON AckServerSpec.
 */
import { createServer } from "node:http";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import { healthHandler, serveParent } from "./child.ts";
import type { AckServerReady, AckServerSpec } from "./labops-bot-server.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as AckServerSpec;
const receiver = new HTTPReceiver({ signingSecret: spec.signingSecret, endpoints: "/slack/events", logLevel: LogLevel.ERROR });
const app = new App({
  token: spec.botToken, botId: "BBOT0LABOPS", botUserId: "UBOT0LABOPS", receiver, logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: spec.slackApiUrl },
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
const server = createServer((req, res) => receiver.requestListener(req, res));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as { port: number }).port;
serveParent({ health: healthHandler() }, async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
process.send?.({ type: "ready", url: `http://127.0.0.1:${port}/slack/events` } satisfies AckServerReady);
