import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

describe("an app's service in Nautobot follows /app add, set and remove, so post-deploy probes cover new apps", () => {
  let h: Harness;
  const final = async (line: string) => {
    const ack = await h.run(line);
    expect(ack.jobId, renderText(ack)).toBeDefined();
    return h.notifier.final(ack.jobId!);
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.lab.env.NAUTOBOT_URL}/api/${path}`, {
      method, headers: { authorization: `Token ${h.lab.nautobot.token}`, "content-type": "application/json", accept: "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
  };
  const services = async (host: string) => {
    const id = h.lab.nautobot.hostId(host)!;
    const r = await api("GET", `ipam/services/?virtual_machine=${id}&limit=0`);
    return (r.body!.results as { name: string; ports: number[]; protocol: { value: string } }[]).map((s) => ({ name: s.name, protocol: s.protocol.value, ports: s.ports }));
  };

  beforeAll(async () => {
    h = await createHarness({ tweak: (c) => (c.nautobotSettings.pollInterval = 20) });
  });
  afterAll(() => h.close());

  it("/app add records the service, /deploy probes it, /app set changes it, /app remove deletes it", async () => {
    const add = await final("/labops app add homepage --image ghcr.io/gethomepage/homepage:v0.9.6 --host docker01 --port 3002:3000 --port 3003/udp");
    expect(add.state, renderText(add)).toBe("success");
    expect(renderText(add)).toContain("Service `homepage` (tcp/3002) recorded on docker01 in Nautobot");
    expect((await services("docker01")).find((s) => s.name === "homepage")).toEqual({ name: "homepage", protocol: "tcp", ports: [3002] });

    const deploy = await final("/deploy homepage");
    expect(deploy.state, renderText(deploy)).toBe("success");
    expect(renderText(deploy)).toContain("service homepage tcp/3002 on 10.20.10.11: open");

    const set = await final("/labops app set homepage --port 3004:3000");
    expect(renderText(set)).toContain("Service `homepage` on docker01 in Nautobot: tcp/3002 → tcp/3004");
    expect((await services("docker01")).find((s) => s.name === "homepage")?.ports).toEqual([3004]);

    const ask = await h.run("/labops app remove homepage");
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons![0]!.id, actor: h.admin, channel: h.channel });
    const removed = await h.notifier.final(clicked.reply!.jobId!);
    expect(removed.state, renderText(removed)).toBe("success");
    expect(renderText(removed)).toContain("Service `homepage` (tcp/3004) deleted from docker01 in Nautobot");
    expect((await services("docker01")).map((s) => s.name)).toEqual(["portainer", "grafana", "uptime-kuma"]);
  });

  it("the fake Nautobot applies ipam.Service's rules: one parent, valid ports and protocol, one name per host", async () => {
    const vm = h.lab.nautobot.hostId("docker02")!;
    const dev = h.lab.nautobot.hostId("pve01")!;
    const ok = await api("POST", "ipam/services/", { virtual_machine: vm, name: "probe-me", protocol: "tcp", ports: [9000] });
    expect(ok.status).toBe(201);
    expect((await api("POST", "ipam/services/", { virtual_machine: vm, name: "probe-me", protocol: "tcp", ports: [9001] })).body)
      .toEqual({ non_field_errors: ["The fields name, virtual_machine must make a unique set."] });
    expect((await api("POST", "ipam/services/", { device: dev, virtual_machine: vm, name: "x", protocol: "tcp", ports: [1] })).body)
      .toEqual({ __all__: ["A service cannot be associated with both a device and a virtual machine."] });
    expect((await api("POST", "ipam/services/", { name: "x", protocol: "tcp", ports: [1] })).body)
      .toEqual({ __all__: ["A service must be associated with either a device or a virtual machine."] });
    const bad = await api("POST", "ipam/services/", { device: dev, name: "x", protocol: "icmp", ports: [0] });
    expect(bad).toEqual({ status: 400, body: { protocol: ['"icmp" is not a valid choice.'], ports: ["Ensure this value is greater than or equal to 1."] } });
    expect((await api("PATCH", `ipam/services/${String(ok.body!.id)}/`, { ports: [70000] })).body).toEqual({ ports: ["Ensure this value is less than or equal to 65535."] });
    expect((await api("DELETE", `ipam/services/${String(ok.body!.id)}/`)).status).toBe(204);
    expect((await api("DELETE", `ipam/services/${String(ok.body!.id)}/`)).status).toBe(404);
  });
});
