import { readFileSync } from "node:fs";
import { parseSecretKey } from "./core/secret-box.ts";
import { parseEnv } from "node:util";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { MUTE_SCOPE } from "./mute-scope.ts";
import { PLATFORMS } from "./core/actor.ts";
import type { GrantLookup } from "./core/permissions.ts";
import { closeMatches } from "./suggest.ts";
import { rootProblem } from "./host-paths.ts";
import { ConfigError } from "./errors.ts";
import { cronProblem, isTimeZone } from "./schedules/cron.ts";

/** Duration strings like "500ms", "30s", "2m", "1h", "7d" (or a bare number of milliseconds). */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration (use e.g. 30s, 2m, 1h, 7d)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "ms"]!;
  return Math.round(n * unit);
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});
const url = z.string().url();
const role = z.enum(["viewer", "operator", "admin"]);

/** The environment: endpoints and secrets. Every other setting lives in the YAML file. */
const envSchema = z.object({
  LABOPS_ROLE: z.enum(["all", "bot", "worker"]).default("all"),
  LABOPS_CONFIG: z.string().default("config/labops.yaml"),
  LABOPS_ADMINS: z.string().default(""),
  LABOPS_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default("labops"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Log lines go to this file instead of stdout (`npm start -- --console` defaults it to labops-console.log). */
  LOG_FILE: z.string().min(1).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").default("redis://127.0.0.1:6379"),
  REDIS_SENTINELS: z.string().regex(/^\s*[^\s:,]+:\d{1,5}\s*(,\s*[^\s:,]+:\d{1,5}\s*)*$/, "must be host:port[,host:port…]").optional(),
  REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9._-]+$/, "must be the master name the sentinels monitor").optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(10).optional(),
  REDIS_WAIT_TIMEOUT: duration.default(200),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  CA_BUNDLE: z.string().optional(),
  AAP_URL: url.optional(),
  AAP_TOKEN: z.string().min(1).optional(),
  AAP_API_PATH: z.string().regex(/^\/.*\/$/, "must start and end with /").default("/api/v2/"),
  NAUTOBOT_URL: url.optional(),
  NAUTOBOT_TOKEN: z.string().min(1).optional(),
  PROXMOX_URL: url.optional(),
  PROXMOX_TOKEN: z.string().regex(/^[^@\s]+@[^!\s]+![^=\s]+=\S+$/, "must look like USER@REALM!TOKENID=SECRET").optional(),
  TRUENAS_URL: z.string().regex(/^wss?:\/\//, "must be a wss:// URL (…/api/current)").optional(),
  TRUENAS_API_KEY: z.string().min(1).optional(),
  /** The user the API key belongs to (TrueNAS 25.04+ keys are user-linked; auth.login_ex needs it). */
  TRUENAS_USERNAME: z.string().regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$/, "must be a TrueNAS user name").optional(),
  SLACK_MODE: z.enum(["socket", "http"]).default("socket"),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: url.optional(),
  SLACK_ALERT_CHANNEL: z.string().min(1).optional(),
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APP_ID: z.string().regex(/^\d{5,20}$/, "must be a numeric snowflake").optional(),
  DISCORD_GUILD_ID: z.string().regex(/^\d{5,20}$/, "must be a numeric snowflake").optional(),
  DISCORD_API_URL: url.optional(),
  DISCORD_ALERT_CHANNEL: z.string().min(1).optional(),
  MATTERMOST_URL: url.optional(),
  MATTERMOST_BOT_TOKEN: z.string().min(1).optional(),
  /** One `trigger=token` per slash command made in Mattermost (each command has its own token), comma-separated. */
  MATTERMOST_COMMAND_TOKENS: z.string().regex(/^\s*[a-z0-9_.-]{1,128}=[A-Za-z0-9_-]{8,128}\s*(,\s*[a-z0-9_.-]{1,128}=[A-Za-z0-9_-]{8,128}\s*)*$/,
    "must be trigger=token[,trigger=token…] (the trigger word without its slash, the token Mattermost showed)").optional(),
  /** labops' HTTP port as the Mattermost server reaches it: buttons post back to <this>/mattermost/actions. */
  MATTERMOST_LABOPS_URL: url.optional(),
  MATTERMOST_ALERT_CHANNEL: z.string().regex(/^[a-z0-9]{26}$/, "must be a Mattermost channel id (26 characters)").optional(),
  ALERT_WEBHOOK_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  ALERT_POLL_INTERVAL: duration.default(120_000),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Seals secret survey answers (password questions) in jobs: 32 bytes as 64 hex digits or base64 (`openssl rand -hex 32`). */
  SURVEY_SECRET_KEY: z.string().refine((s) => parseSecretKey(s) !== undefined, "must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)").optional(),
  GIT_REMOTE: z.string().min(1).optional(),
  /**
   * Where the runners are registered, the same URL as the GitHub Runner Token credential's github_runner_url:
   * https://github.com/<org> or https://github.com/<owner>/<repo>. `/runner destroy` removes the runner there.
   */
  GITHUB_RUNNER_URL: z.string().regex(/^https:\/\/[^/\s]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?\/?$/, "must be https://github.com/<org> or https://github.com/<owner>/<repo>").optional(),
  /** A token that may remove runners there (fine-grained: Administration write on the repository, or Self-hosted runners write on the org). */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** REST API root; default https://api.github.com for github.com, https://HOST/api/v3 for GitHub Enterprise Server. */
  GITHUB_API_URL: url.optional(),
});

/** The YAML file: everything that is not a secret or an endpoint. Every key is documented in config/labops.example.yaml. */
const fileSchema = z.strictObject({
  /** The IANA time zone labops shows times in (/history, /job, alerts, schedules' default --tz). */
  timeZone: z.string().refine(isTimeZone, "must be an IANA time zone name, e.g. UTC or Europe/Berlin").default("UTC"),
  aap: z
    .strictObject({
      templates: z
        .strictObject({
          deploy: z.string().default("Master Deploy"),
          seeder: z.string().default("Setup AAP (Seeder)"),
          runner: z.string().default("Deploy GitHub Runner"),
          cleanup: z.string().default("Cleanup OCP Folders"),
        })
        .prefault({}),
      project: z.string().default("HomeLab Ops"),
      inventorySource: z.string().default("Nautobot"),
      pollInterval: duration.default(2_000),
      /** Job-event reads per poll, shared by every running job (statuses of all of them take one request). */
      eventsPerPoll: z.number().int().min(1).max(50).default(5),
      jobTimeout: duration.prefault("2h"),
    })
    .prefault({}),
  nautobot: z
    .strictObject({
      appListContext: z.string().default("app_list"),
      gitRepository: z.string().default("labops"),
      vmCluster: z.string().default("pve"),
      /** Role given to runner VMs in Nautobot when it exists. */
      runnerRole: z.string().default("ci-runner"),
      /** Poll interval and limit for Nautobot job results (Git sync) and for app_list to show a change. */
      pollInterval: duration.default(1_000),
      syncTimeout: duration.prefault("5m"),
    })
    .prefault({}),
  git: z
    .strictObject({
      branch: z.string().default("main"),
      authorName: z.string().default("labops"),
      authorEmail: z.string().default("labops@localhost"),
      appListPath: z.string().default("config_contexts/app_list.yml"),
    })
    .prefault({}),
  deploy: z
    .strictObject({
      /** Nautobot roles of the hosts apps may be added to and deployed on (the playbook checks the same). */
      dockerHostRoles: z.array(z.string().min(1)).min(1).default(["docker-host"]),
      /** Bind-mount sources of app_list volumes must lie below one of these. */
      hostPathRoots: z
        .array(z.string().superRefine((r, ctx) => {
          const p = rootProblem(r);
          if (p) ctx.addIssue({ code: "custom", message: p });
        }))
        .min(1)
        .default(["/srv", "/opt/appdata", "/mnt"]),
      /**
       * Images tagged `latest` (or untagged, which Docker reads as `latest`) at /app add and /app set: `warn`
       * accepts them only with `--allow-latest` and says why, `refuse` never, `allow` always.
       */
      latestTag: z.enum(["warn", "refuse", "allow"]).default("warn"),
    })
    .prefault({}),
  proxmox: z
    .strictObject({
      lxcTemplate: z.string().default("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"),
      cores: z.number().int().min(1).default(2),
      memoryMb: z.number().int().min(16).default(2048),
      diskGb: z.number().int().min(1).default(16),
      storage: z.string().default("local-lvm"),
      bridge: z.string().default("vmbr0"),
      sshPublicKeys: z.array(z.string()).default([]),
      runnerPrefix: z.string().regex(/^[a-z][a-z0-9-]*$/).default("runner"),
      /** Poll interval and limit for Proxmox worker tasks (vzcreate, vzstart, ...). */
      taskPollInterval: duration.default(1_000),
      taskTimeout: duration.prefault("10m"),
    })
    .prefault({}),
  truenas: z
    .strictObject({
      share: z.string().default("/mnt/Media/docker-media"),
      dataset: z.string().default("Media/docker-media"),
      /** Anchored; the same default as playbooks/cleanup_ocp.yml and the truenas01 config context: `ocp-<cluster>-<YYYY-MM-DD>`. */
      ocpPattern: z.string().default("^ocp-[a-z0-9]+(-[a-z0-9]+)*-[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
      holdingDataset: z.string().default("Media/labops-held"),
      retention: duration.prefault("14d"),
      host: z.string().default("truenas01"),
    })
    .prefault({}),
  permissions: z
    .strictObject({
      grants: z
        .array(
          z.strictObject({
            role,
            slackUsers: z.array(z.string()).default([]),
            slackGroups: z.array(z.string()).default([]),
            discordUsers: z.array(z.string()).default([]),
            discordRoles: z.array(z.string()).default([]),
            /** Mattermost user ids, team ids (anyone using labops from that team) and channel ids (anyone using it there). */
            mattermostUsers: z.array(z.string()).optional(),
            mattermostTeams: z.array(z.string()).optional(),
            mattermostChannels: z.array(z.string()).optional(),
            channels: z.array(z.string()).default([]),
          }),
        )
        .default([]),
      terminalRole: role.default("admin"),
      /** How often Slack user groups are re-read in the background (usergroups.list). */
      slackGroupsRefresh: duration.prefault("5m"),
      /** A membership read older than this is not trusted: grants by Slack user group give nothing until a refresh succeeds. */
      slackGroupsMaxAge: duration.prefault("10m"),
    })
    .refine((p) => p.slackGroupsMaxAge >= p.slackGroupsRefresh, { message: "slackGroupsMaxAge must be at least slackGroupsRefresh", path: ["slackGroupsMaxAge"] })
    .prefault({}),
  limits: z
    .strictObject({
      cooldown: duration.prefault("5s"),
      /** Commands and button clicks per person per minute (0 = no limit), with bursts of `commandBurst`. */
      commandsPerMinute: z.number().int().min(0).max(10_000).default(20),
      commandBurst: z.number().int().min(1).max(10_000).default(10),
      /** Jobs one person may have waiting or running at once (0 = no limit). */
      queuedJobsPerPerson: z.number().int().min(0).max(10_000).default(10),
      confirmTtl: duration.prefault("10m"),
      progressEditInterval: duration.prefault("2s"),
      lockLease: duration.prefault("30s"),
      lockWaiters: z.number().int().min(1).max(1000).default(20),
      lockRecheck: duration.prefault("30s"),
      jobAttempts: z.number().int().min(1).max(10).default(3),
      retryBackoff: duration.prefault("2s"),
      workerConcurrency: z.number().int().min(1).max(200).default(50),
      backendTimeout: duration.prefault("15s"),
    })
    .prefault({}),
  audit: z.strictObject({ maxEntries: z.number().int().min(100).default(10_000) }).prefault({}),
  gitops: z
    .strictObject({
      /** Watch GIT_REMOTE's branch (git.branch) and sync Nautobot and AAP on new commits. */
      enabled: z.boolean().default(true),
      interval: duration.prefault("1m"),
      /** Where sync messages go, `platform:channel` (default: the first alert channel). */
      channel: z.string().regex(new RegExp(`^(${PLATFORMS.join("|")}):\\S+$`), "must look like slack:C0123 or discord:123").optional(),
      /** Deploy added or changed apps after a sync (each under its app lock); off: Deploy buttons only. */
      autoDeploy: z.boolean().default(false),
    })
    .prefault({}),
  schedules: z
    .strictObject({
      /** Shortest allowed time between two runs of one schedule. */
      minInterval: duration.prefault("1m"),
      maxPerChannel: z.number().int().min(1).max(500).default(50),
    })
    .prefault({}),
  twoPerson: z
    .strictObject({
      /** The two-person rule: these commands' confirmations need someone other than the asker, with the command's role. */
      enabled: z.boolean().default(false),
      commands: z.array(z.enum(["cleanup-ocp", "app remove", "runner destroy"])).default(["cleanup-ocp", "app remove", "runner destroy"]),
    })
    .prefault({}),
  run: z
    .strictObject({
      /**
       * The AAP templates `/labops run` may launch, by exact name; anything else is refused. `kind`: a workflow job
       * template or a job template; `role`: who may launch it; `vars`: the extra variables a person may pass
       * (`--var name=value`), nothing else; `limit`: whether `--host` may narrow it to one host.
       */
      templates: z
        .record(z.string().min(1).max(200), z.strictObject({
          kind: z.enum(["workflow", "job"]).default("workflow"),
          role: role.default("operator"),
          vars: z.array(z.string().regex(/^[a-z_][a-z0-9_]{0,39}$/, "must be a variable name (a-z, 0-9, _)")).default([]),
          limit: z.boolean().default(false),
        }))
        .default({}),
    })
    .prefault({}),
  approvals: z
    .strictObject({
      /** Poll AAP's pending workflow approvals (one request per interval) and post each with Approve / Deny. */
      enabled: z.boolean().default(true),
      pollInterval: duration.prefault("30s"),
      /** Where approval messages go, `platform:channel` (default: every alert channel). */
      channels: z.array(z.string().regex(/^(slack|discord|mattermost|terminal):\S+$/, "must look like slack:C0123 or discord:123")).default([]),
      /** false (default): the person who launched a workflow with /labops run may not decide its approvals. */
      selfApproval: z.boolean().default(false),
      /** The role that may approve or deny, unless the workflow names its own. */
      role: role.default("operator"),
      /** Per workflow job template name: a stricter role, and/or only these people (`slack:U0123`, `discord:1234`), who also need the role. */
      workflows: z
        .record(z.string().min(1), z.strictObject({
          role: role.optional(),
          approvers: z.array(z.string().regex(/^(slack|discord|mattermost|terminal):\S+$/, "must look like slack:U0123 or discord:1234")).default([]),
        }))
        .default({}),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      /** Maintenance windows: alerts of `scope` are silenced for `duration` from each `cron` occurrence in `tz`. */
      maintenance: z
        .array(
          z.strictObject({ scope: z.string().regex(MUTE_SCOPE, "must be app:<name>, host:<name> or template:<name>"), cron: z.string(), duration, tz: z.string().default("UTC") })
            .superRefine((w, ctx) => {
              const problem = cronProblem(w.cron, w.tz);
              if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
            }),
        )
        .default([]),
    })
    .prefault({}),
});

/**
 * Each front end's keys in a grant of `permissions.grants`. Permissions reads a person's grants through their
 * platform's entry only; a platform without one gets no role from the grants.
 */
export const PLATFORM_GRANTS: GrantLookup<Config["permissions"]["grants"][number]> = {
  slack: (g) => ({ users: g.slackUsers, groups: g.slackGroups }),
  discord: (g) => ({ users: g.discordUsers, groups: g.discordRoles }),
  mattermost: (g) => ({ users: g.mattermostUsers ?? [], groups: g.mattermostTeams ?? [], everyoneIn: g.mattermostChannels ?? [] }),
};

export type Env = z.infer<typeof envSchema>;
export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  role: Env["LABOPS_ROLE"];
  logLevel: Env["LOG_LEVEL"];
  logFile?: string | undefined;
  /** IANA zone for every time labops shows (default UTC). */
  timeZone: string;
  redis: {
    url: string;
    prefix: string;
    sentinels?: { host: string; port: number }[] | undefined;
    sentinelMaster?: string | undefined;
    sentinelPassword?: string | undefined;
    /** Replicas that must have a queued command before it is acknowledged (Redis WAIT); 0 = none. */
    waitReplicas: number;
    waitTimeoutMs: number;
  };
  http: { port: number; adminToken?: string | undefined; alertWebhookToken?: string | undefined };
  caPem?: string | undefined;
  admins: string[];
  aap?: ({ url: string; token: string; apiPath: string } & FileConfig["aap"]) | undefined;
  aapSettings: FileConfig["aap"];
  nautobot?: ({ url: string; token: string } & FileConfig["nautobot"]) | undefined;
  nautobotSettings: FileConfig["nautobot"];
  proxmox?: ({ url: string; token: string } & FileConfig["proxmox"]) | undefined;
  proxmoxSettings: FileConfig["proxmox"];
  truenas?: ({ url: string; apiKey: string; username?: string | undefined } & FileConfig["truenas"]) | undefined;
  truenasSettings: FileConfig["truenas"];
  git: FileConfig["git"] & { remote?: string | undefined };
  deploy: FileConfig["deploy"];
  slack?: { mode: "socket" | "http"; botToken: string; appToken?: string | undefined; signingSecret?: string | undefined; apiUrl?: string | undefined; alertChannel?: string | undefined } | undefined;
  discord?: { token: string; appId: string; guildId: string; apiUrl?: string | undefined; alertChannel?: string | undefined } | undefined;
  /** Slash-command tokens by trigger word (`labops`, `deploy`…); `labopsUrl` is where Mattermost reaches labops' HTTP port. */
  mattermost?: { url: string; botToken: string; commandTokens: Record<string, string>; labopsUrl: string; alertChannel?: string | undefined } | undefined;
  /** GitHub, for removing runners (GITHUB_RUNNER_URL and GITHUB_TOKEN). */
  github?: { url: string; token: string; scope: { org: string } | { owner: string; repo: string } } | undefined;
  alerts: { pollIntervalMs: number } & FileConfig["alerts"];
  approvals: FileConfig["approvals"];
  run: FileConfig["run"];
  /** SURVEY_SECRET_KEY: without it, templates whose survey asks a password cannot be run from chat. */
  surveySecretKey?: Buffer | undefined;
  twoPerson: FileConfig["twoPerson"];
  gitops: FileConfig["gitops"];
  schedules: FileConfig["schedules"];
  permissions: FileConfig["permissions"];
  limits: FileConfig["limits"];
  audit: FileConfig["audit"];
  /** Every secret value, so the logger can scrub them from any line. */
  secrets: string[];
}

/**
 * The one place that reads the environment. Parses env and the YAML file it names, reports every bad
 * field at once by name, and never echoes a value (a bad value may be a secret).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, readFile = defaultReadFile): Config {
  const problems: string[] = [];
  const e = envSchema.safeParse(stripEmpty(env));
  if (!e.success) problems.push(...e.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const named = Boolean(env.LABOPS_CONFIG);
  const rawFile = e.success ? readYaml(e.data.LABOPS_CONFIG, named, readFile, problems) : {};
  const f = fileSchema.safeParse(rawFile ?? {});
  if (!f.success) problems.push(...f.error.issues.flatMap((i) => fileIssue(i).map((line) => `${e.success ? e.data.LABOPS_CONFIG : "config"}: ${line}`)));
  if (!e.success || !f.success) throw new ConfigError(problems);
  const v = e.data;
  const file = f.data;

  const pair = (a: string, b: string, av: unknown, bv: unknown) => {
    if (Boolean(av) !== Boolean(bv)) problems.push(`${av ? b : a}: required when ${av ? a : b} is set`);
    return Boolean(av && bv);
  };
  const hasAap = pair("AAP_URL", "AAP_TOKEN", v.AAP_URL, v.AAP_TOKEN);
  const hasNautobot = pair("NAUTOBOT_URL", "NAUTOBOT_TOKEN", v.NAUTOBOT_URL, v.NAUTOBOT_TOKEN);
  const hasProxmox = pair("PROXMOX_URL", "PROXMOX_TOKEN", v.PROXMOX_URL, v.PROXMOX_TOKEN);
  const hasTrueNas = pair("TRUENAS_URL", "TRUENAS_API_KEY", v.TRUENAS_URL, v.TRUENAS_API_KEY);
  if (v.SLACK_BOT_TOKEN && v.SLACK_MODE === "socket" && !v.SLACK_APP_TOKEN) problems.push("SLACK_APP_TOKEN: required for SLACK_MODE=socket");
  if (v.SLACK_BOT_TOKEN && v.SLACK_MODE === "http" && !v.SLACK_SIGNING_SECRET) problems.push("SLACK_SIGNING_SECRET: required for SLACK_MODE=http");
  if (v.REDIS_SENTINELS && !v.REDIS_SENTINEL_MASTER) problems.push("REDIS_SENTINEL_MASTER: required when REDIS_SENTINELS is set");
  if (v.MATTERMOST_BOT_TOKEN) {
    for (const [name, value] of [["MATTERMOST_URL", v.MATTERMOST_URL], ["MATTERMOST_COMMAND_TOKENS", v.MATTERMOST_COMMAND_TOKENS], ["MATTERMOST_LABOPS_URL", v.MATTERMOST_LABOPS_URL]] as const) {
      if (!value) problems.push(`${name}: required when MATTERMOST_BOT_TOKEN is set`);
    }
  }
  const hasGithub = pair("GITHUB_RUNNER_URL", "GITHUB_TOKEN", v.GITHUB_RUNNER_URL, v.GITHUB_TOKEN);
  if (v.DISCORD_TOKEN && (!v.DISCORD_APP_ID || !v.DISCORD_GUILD_ID)) problems.push("DISCORD_APP_ID, DISCORD_GUILD_ID: required when DISCORD_TOKEN is set");
  let caPem: string | undefined;
  if (v.CA_BUNDLE) {
    try {
      caPem = readFile(v.CA_BUNDLE);
    } catch {
      problems.push("CA_BUNDLE: file cannot be read");
    }
  }
  if (problems.length) throw new ConfigError(problems);

  const secrets = [v.AAP_TOKEN, v.NAUTOBOT_TOKEN, v.PROXMOX_TOKEN, v.TRUENAS_API_KEY, v.SLACK_BOT_TOKEN, v.SLACK_APP_TOKEN,
    v.SLACK_SIGNING_SECRET, v.DISCORD_TOKEN, v.MATTERMOST_BOT_TOKEN, v.GITHUB_TOKEN, v.ALERT_WEBHOOK_TOKEN, v.ADMIN_TOKEN, v.REDIS_SENTINEL_PASSWORD, v.SURVEY_SECRET_KEY].filter((s): s is string => !!s);
  const commandTokens = parseCommandTokens(v.MATTERMOST_COMMAND_TOKENS);
  secrets.push(...Object.values(commandTokens));
  const proxmoxSecret = v.PROXMOX_TOKEN?.split("=").slice(1).join("=");
  if (proxmoxSecret) secrets.push(proxmoxSecret);
  const redisPassword = safeUrlPassword(v.REDIS_URL);
  if (redisPassword) secrets.push(redisPassword);

  return {
    role: v.LABOPS_ROLE,
    logLevel: v.LOG_LEVEL,
    logFile: v.LOG_FILE,
    timeZone: file.timeZone,
    redis: {
      url: v.REDIS_URL,
      prefix: v.LABOPS_QUEUE_PREFIX,
      sentinels: v.REDIS_SENTINELS?.split(",").map((hp) => {
        const [host = "", port = ""] = hp.trim().split(":");
        return { host, port: Number(port) };
      }),
      sentinelMaster: v.REDIS_SENTINEL_MASTER,
      sentinelPassword: v.REDIS_SENTINEL_PASSWORD,
      // With Sentinel, replication is asynchronous: wait for one replica before acknowledging by default.
      waitReplicas: v.REDIS_WAIT_REPLICAS ?? (v.REDIS_SENTINELS ? 1 : 0),
      waitTimeoutMs: v.REDIS_WAIT_TIMEOUT,
    },
    http: { port: v.HTTP_PORT, adminToken: v.ADMIN_TOKEN, alertWebhookToken: v.ALERT_WEBHOOK_TOKEN },
    caPem,
    admins: v.LABOPS_ADMINS.split(",").map((s) => s.trim()).filter(Boolean),
    aap: hasAap ? { url: v.AAP_URL!, token: v.AAP_TOKEN!, apiPath: v.AAP_API_PATH, ...file.aap } : undefined,
    aapSettings: file.aap,
    nautobot: hasNautobot ? { url: v.NAUTOBOT_URL!, token: v.NAUTOBOT_TOKEN!, ...file.nautobot } : undefined,
    nautobotSettings: file.nautobot,
    proxmox: hasProxmox ? { url: v.PROXMOX_URL!, token: v.PROXMOX_TOKEN!, ...file.proxmox } : undefined,
    proxmoxSettings: file.proxmox,
    truenas: hasTrueNas ? { url: v.TRUENAS_URL!, apiKey: v.TRUENAS_API_KEY!, username: v.TRUENAS_USERNAME, ...file.truenas } : undefined,
    truenasSettings: file.truenas,
    git: { ...file.git, remote: v.GIT_REMOTE },
    deploy: file.deploy,
    slack: v.SLACK_BOT_TOKEN
      ? { mode: v.SLACK_MODE, botToken: v.SLACK_BOT_TOKEN, appToken: v.SLACK_APP_TOKEN, signingSecret: v.SLACK_SIGNING_SECRET, apiUrl: v.SLACK_API_URL, alertChannel: v.SLACK_ALERT_CHANNEL }
      : undefined,
    discord: v.DISCORD_TOKEN
      ? { token: v.DISCORD_TOKEN, appId: v.DISCORD_APP_ID!, guildId: v.DISCORD_GUILD_ID!, apiUrl: v.DISCORD_API_URL, alertChannel: v.DISCORD_ALERT_CHANNEL }
      : undefined,
    mattermost: v.MATTERMOST_BOT_TOKEN
      ? { url: v.MATTERMOST_URL!, botToken: v.MATTERMOST_BOT_TOKEN, commandTokens, labopsUrl: v.MATTERMOST_LABOPS_URL!, alertChannel: v.MATTERMOST_ALERT_CHANNEL }
      : undefined,
    github: hasGithub ? { ...githubApi(v.GITHUB_RUNNER_URL!, v.GITHUB_API_URL), token: v.GITHUB_TOKEN! } : undefined,
    alerts: { pollIntervalMs: v.ALERT_POLL_INTERVAL, ...file.alerts },
    gitops: file.gitops,
    approvals: file.approvals,
    run: file.run,
    surveySecretKey: v.SURVEY_SECRET_KEY ? parseSecretKey(v.SURVEY_SECRET_KEY) : undefined,
    twoPerson: file.twoPerson,
    schedules: file.schedules,
    permissions: file.permissions,
    limits: file.limits,
    audit: file.audit,
    secrets,
  };
}

/**
 * Reads a dotenv file (`.env` in the working directory) into `env` for `npm start` and
 * `npm run register-commands`, as docker compose's `env_file` does for the containers. A variable already
 * in the environment wins, even an empty one; a missing file is no error. Returns the names it set.
 */
export function loadDotEnv(path = ".env", env: Record<string, string | undefined> = process.env, readFile = defaultReadFile): string[] {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ConfigError([`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (name in env) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

/** The API root and the runners' scope from GITHUB_RUNNER_URL (checked by the schema): `/<org>` or `/<owner>/<repo>`. */
function githubApi(runnerUrl: string, apiUrl: string | undefined): { url: string; scope: { org: string } | { owner: string; repo: string } } {
  const u = new URL(runnerUrl);
  const [owner = "", repo] = u.pathname.split("/").filter(Boolean);
  const url = apiUrl ?? (u.host === "github.com" ? "https://api.github.com" : `${u.origin}/api/v3`);
  return { url, scope: repo ? { owner, repo } : { org: owner } };
}

function defaultReadFile(path: string): string {
  return readFileSync(path, "utf8");
}

/**
 * The settings file. The default path may be absent (every setting has a default); a path named in
 * LABOPS_CONFIG must exist, and a directory is refused by name: Docker creates one at the mount point
 * when the file to mount was not there.
 */
function readYaml(path: string, named: boolean, readFile: (p: string) => string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !named) return {};
    if (code === "ENOENT") problems.push(`LABOPS_CONFIG: the settings file ${path} does not exist (copy config/labops.example.yaml there, or unset LABOPS_CONFIG to run on the defaults)`);
    else if (code === "EISDIR") {
      problems.push(`LABOPS_CONFIG: ${path} is a directory, not a settings file. Docker creates an empty directory where a mounted file ` +
        "was missing: remove it, copy config/labops.example.yaml to config/labops.yaml, and start again");
    } else if (code) problems.push(`LABOPS_CONFIG: the settings file ${path} cannot be read (${code})`);
    return {};
  }
  try {
    return parseYaml(text) ?? {};
  } catch (e) {
    problems.push(`${path}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
    return {};
  }
}

/** One line per problem, with the key path; an unknown key is named with its nearest known sibling. */
function fileIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code !== "unrecognized_keys") return [`${issue.path.join(".")}: ${issue.message}`];
  const known = knownKeys(issue.path);
  return issue.keys.map((key) => {
    const near = closeMatches(key, known, 1);
    return `${[...issue.path, key].join(".")}: unknown key${near.length ? ` (did you mean ${near[0]}?)` : ""}`;
  });
}

/** The keys the settings schema allows at a path (`permissions.grants.0` → the keys of one grant). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  type Node = { def: { type: string; innerType?: Node; element?: Node; in?: Node; shape?: Record<string, Node> }; shape?: Record<string, Node> };
  let t = fileSchema as unknown as Node | undefined;
  const unwrap = () => {
    while (t && ["optional", "default", "prefault", "nullable", "pipe"].includes(t.def.type)) t = t.def.innerType ?? t.def.in;
  };
  for (const step of path) {
    unwrap();
    if (t?.def.type === "array") t = t.def.element;
    else t = t?.shape?.[String(step)];
  }
  unwrap();
  return Object.keys(t?.shape ?? {});
}

/** `labops=tok1,deploy=tok2` → { labops: "tok1", deploy: "tok2" } (already validated by the schema). */
function parseCommandTokens(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of (raw ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf("=");
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(env)) if (val !== undefined && val !== "") out[k] = val;
  return out;
}

function safeUrlPassword(u: string): string | undefined {
  try {
    return decodeURIComponent(new URL(u).password) || undefined;
  } catch {
    return undefined;
  }
}
