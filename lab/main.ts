/**
 * `npm run lab`: the simulated homelab alone (fake AAP, Nautobot, Proxmox, TrueNAS), printing each
 * system's URL and token, so curl or a labops started elsewhere can be pointed at it. Ctrl-C stops it.
 */
import { createLab } from "./create-lab.ts";
import { FakeMattermost } from "./mattermost/fake-mattermost.ts";
import { LAB_PROFILES, labProfile, profileArg } from "./lab-profiles.ts";

async function main(): Promise<void> {
  const stepMs = Number(process.argv.find((a) => a.startsWith("--step-ms="))?.split("=")[1] ?? 300);
  if (process.argv.includes("--profiles")) {
    process.stdout.write(LAB_PROFILES.map((p) => `${p.name.padEnd(10)} ${p.summary}`).join("\n") + "\n");
    return;
  }
  const profile = labProfile(profileArg(process.argv));
  const lab = await createLab({ stepMs, profile });
  const e = lab.env;
  // A fake Mattermost whose slash commands post to a labops started with the variables below (default port 3000).
  const labopsUrl = process.argv.find((a) => a.startsWith("--labops-url="))?.split("=")[1] ?? "http://127.0.0.1:3000";
  const mattermost = new FakeMattermost({ commands: ["labops", "deploy", "seed-aap", "cleanup-ocp", "runner"] });
  await mattermost.start();
  mattermost.labopsUrl = labopsUrl;
  // olga is made admin through LABOPS_ADMINS, so the printed variables are enough to try every command.
  const mm = { ...mattermost.env, MATTERMOST_LABOPS_URL: labopsUrl, LABOPS_ADMINS: `mattermost:${mattermost.user("olga").id}` };
  const out = [
    `labops simulated lab is running (Ctrl-C to stop), profile ${profile.name}: ${profile.summary}.`,
    "",
    `AAP       ${e.AAP_URL}${e.AAP_API_PATH}          Authorization: Bearer ${e.AAP_TOKEN}`,
    `Nautobot  ${e.NAUTOBOT_URL}/api/             Authorization: Token ${e.NAUTOBOT_TOKEN}`,
    `Proxmox   ${e.PROXMOX_URL}/api2/json/       Authorization: PVEAPIToken=${e.PROXMOX_TOKEN}   (HTTPS only)`,
    `TrueNAS   ${e.TRUENAS_URL}   JSON-RPC 2.0 over WebSocket, auth.login_ex API_KEY_PLAIN ${e.TRUENAS_API_KEY}`,
    `GitHub    ${e.GITHUB_API_URL}/repos/${e.GITHUB_RUNNER_URL!.replace("https://github.com/", "")}/actions/runners   Authorization: Bearer ${e.GITHUB_TOKEN}`,
    `Git       ${e.GIT_REMOTE}   (the repository Nautobot syncs config_contexts/ from)`,
    `CA        ${e.CA_BUNDLE}   (the lab's certificate authority: CA_BUNDLE for labops, REQUESTS_CA_BUNDLE for Python clients)`,
    `Mattermost ${mattermost.url}/api/v4/   Authorization: Bearer ${mattermost.botToken}   (slash commands post to ${labopsUrl}/mattermost/command)`,
    "",
    "Try:",
    `  curl -s -H 'Authorization: Bearer ${e.AAP_TOKEN}' '${e.AAP_URL}${e.AAP_API_PATH}job_templates/?name=Master%20Deploy'`,
    `  curl -s -H 'Authorization: Token ${e.NAUTOBOT_TOKEN}' '${e.NAUTOBOT_URL}/api/dcim/devices/?name=pve01'`,
    `  curl -s --cacert '${e.CA_BUNDLE}' -H 'Authorization: PVEAPIToken=${e.PROXMOX_TOKEN}' '${e.PROXMOX_URL}/api2/json/nodes'`,
    `  curl -s -XPOST -H 'content-type: application/json' -d '{"user":"olga","channel":"ops","text":"/labops status"}' '${mattermost.url}/lab/type'`,
    `  curl -s '${mattermost.url}/lab/posts?channel=ops&user=olga'   (see docs/MATTERMOST.md for clicking buttons)`,
    "",
    "Point labops at it with these variables:",
    ...Object.entries(e).map(([k, v]) => `  ${k}=${v}`),
    "",
    "and, for the Mattermost front end (olga, the person /lab/type acts as by default, is an admin):",
    ...Object.entries(mm).map(([k, v]) => `  ${k}=${v}`),
    "",
  ];
  process.stdout.write(out.join("\n"));
  const stop = async () => {
    await mattermost.close();
    await lab.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((err) => {
  process.stderr.write(`lab failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
