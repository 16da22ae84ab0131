import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeDiscord } from "../../lab/discord/fake-discord.ts";
import type { Obj } from "../../lab/discord/objects.ts";

/** The fake Discord's own contract, driven with plain fetch and ws (the e2e suite drives it with discord.js). */
describe("FakeDiscord REST and gateway", () => {
  const fake = new FakeDiscord({ heartbeatIntervalMs: 50, ackDeadlineMs: 200, tokenLifetimeMs: 300, channelLimit: { limit: 5, windowMs: 300 } });
  let api: string;
  const bot = () => ({ authorization: `Bot ${fake.token}`, "content-type": "application/json" });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = bot()) => {
    const res = await fetch(`${api}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, headers: res.headers, body: res.status === 204 ? undefined : ((await res.json()) as Obj) };
  };
  let ws: WebSocket;
  const received: Obj[] = [];
  const next = async (pred: (f: Obj) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const hit = received.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("no such frame");
  };

  beforeAll(async () => {
    await fake.start();
    api = `${fake.apiUrl}/v10`;
    await call("PUT", `/applications/${fake.appId}/guilds/${fake.guildId}/commands`, [{ name: "deploy", description: "d", options: [{ name: "app", type: 3, description: "a", required: true, autocomplete: true }] }]);
    ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    ws.on("message", (m) => received.push(JSON.parse(String(m)) as Obj));
    await new Promise((r) => ws.once("open", r));
    await next((f) => f.op === 10);
    ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: {} } }));
    await next((f) => f.t === "GUILD_CREATE");
  });
  afterAll(async () => {
    ws.close();
    await fake.close();
  });

  it("serves gateway info and answers unknown routes with 404 code 0, missing bot auth with 401", async () => {
    const gw = await call("GET", "/gateway/bot");
    expect(gw.body).toMatchObject({ url: fake.gatewayUrl, shards: 1, session_start_limit: { remaining: 1000 } });
    expect((await call("GET", "/nope")).body).toEqual({ message: "404: Not Found", code: 0 });
    expect((await call("DELETE", "/gateway/bot")).status).toBe(405);
    expect((await call("GET", "/gateway/bot", undefined, {})).body).toEqual({ message: "401: Unauthorized", code: 0 });
  });

  it("gateway: READY with session and resume URL, GUILD_CREATE with roles and channels, heartbeat ACK, RESUME replays", async () => {
    const ready = received.find((f) => f.t === "READY")!.d as Obj;
    expect(ready).toMatchObject({ v: 10, guilds: [{ id: fake.guildId, unavailable: true }], application: { id: fake.appId }, resume_gateway_url: fake.gatewayUrl });
    const guild = received.find((f) => f.t === "GUILD_CREATE")!.d as Obj;
    expect((guild.roles as Obj[]).map((r) => r.name)).toEqual(["@everyone", "operators", "admins"]);
    expect((guild.channels as Obj[])[0]).toMatchObject({ id: fake.channel("ops"), name: "ops", type: 0 });
    ws.send(JSON.stringify({ op: 1, d: 2 }));
    await next((f) => f.op === 11);
    const session = String(ready.session_id);
    fake.gateway.close(4000);
    await new Promise((r) => ws.once("close", r));
    fake.gateway.dispatch("TEST_EVENT", { n: 1 }); // missed while disconnected
    received.length = 0;
    ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    ws.on("message", (m) => received.push(JSON.parse(String(m)) as Obj));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ op: 6, d: { token: fake.token, session_id: session, seq: 2 } }));
    const resumed = await next((f) => f.t === "RESUMED");
    expect(received.filter((f) => f.op === 0).map((f) => f.t)).toEqual(["TEST_EVENT", "RESUMED"]);
    expect(resumed.s).toBe(4);
  });

  it("refuses a gateway connection asking for compression", async () => {
    const bad = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const err = await new Promise<Error>((r) => bad.once("error", r));
    expect(err.message).toContain("400");
    expect(fake.gateway.rejected.at(-1)?.reason).toContain("compress=");
  });

  it("interaction callbacks: 204 once, 40060 on a second ack, 10062 after the deadline; webhook token dies after its lifetime", async () => {
    const pending = fake.slash("deploy", { app: "traefik" });
    const frame = await next((f) => f.t === "INTERACTION_CREATE");
    const { id, token, data } = frame.d as { id: string; token: string; data: Obj };
    expect(id).toMatch(/^\d{17,19}$/);
    expect(data).toMatchObject({ name: "deploy", options: [{ name: "app", type: 3, value: "traefik" }] });
    expect((await call("POST", `/interactions/${id}/${token}/callback?with_response=false`, { type: 5, data: { flags: 64 } }, {})).status).toBe(204);
    expect((await pending).callback).toEqual({ type: 5, data: { flags: 64 } });
    expect((await call("POST", `/interactions/${id}/${token}/callback`, { type: 5 }, {})).body).toMatchObject({ code: 40060 });
    const edited = await call("PATCH", `/webhooks/${fake.appId}/${token}/messages/%40original`, { content: "done" }, { "content-type": "application/json" });
    expect(edited.body).toMatchObject({ content: "done", flags: 64, channel_id: fake.channel("ops") });
    await new Promise((r) => setTimeout(r, 320));
    expect((await call("PATCH", `/webhooks/${fake.appId}/${token}/messages/@original`, { content: "late" }, {})).body).toMatchObject({ code: 50027 });

    received.length = 0;
    const late = fake.slash("deploy", { app: "x" }).catch((e: Error) => e);
    const f2 = (await next((f) => f.t === "INTERACTION_CREATE")).d as { id: string; token: string };
    await new Promise((r) => setTimeout(r, 230));
    expect((await call("POST", `/interactions/${f2.id}/${f2.token}/callback`, { type: 5 }, {})).body).toMatchObject({ code: 10062 });
    expect(await late).toBeInstanceOf(Error);
  });

  it("channel messages: per-channel bucket with X-RateLimit headers, 429 with Retry-After past it, form checks", async () => {
    const ch = fake.channel("ops");
    const first = await call("POST", `/channels/${ch}/messages`, { content: "hi" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ content: "hi", author: { id: fake.bot.id, bot: true }, edited_timestamp: null });
    expect(first.headers.get("x-ratelimit-limit")).toBe("5");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(first.headers.get("x-ratelimit-bucket")).toBeTruthy();
    const mid = String(first.body!.id);
    for (let i = 0; i < 4; i++) expect((await call("PATCH", `/channels/${ch}/messages/${mid}`, { content: `e${i}` })).status).toBe(200);
    const limited = await call("PATCH", `/channels/${ch}/messages/${mid}`, { content: "over" });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ global: false });
    expect(Number(limited.body!.retry_after)).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(fake.stats.overLimit).toBe(1);
    expect(fake.message(mid)!.history.map((h) => h.content)).toEqual(["hi", "e0", "e1", "e2", "e3"]);
    await new Promise((r) => setTimeout(r, 320));
    expect((await call("POST", `/channels/${ch}/messages`, { embeds: [{ description: "x".repeat(4097) }] })).body).toMatchObject({ code: 50035 });
    expect((await call("POST", `/channels/999999999999999999/messages`, { content: "x" })).body).toMatchObject({ code: 10003 });
    fake.inject429({ path: /\/channels\//, times: 1, retryAfterMs: 50 });
    const injected = await call("POST", `/channels/${ch}/messages`, { content: "x" });
    expect(injected.status).toBe(429);
    expect(injected.headers.get("x-ratelimit-scope")).toBe("shared");
    expect(fake.stats.injected429).toBe(1);
  });
});
