/**
 * Discord API objects and form checks for the fake Discord: snowflakes, users, members, guilds, messages,
 * and the "Invalid Form Body" (code 50035) validation of message and application-command bodies.
 */

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A real-shaped snowflake (19 digits today): discord.js derives timestamps and rate-limit buckets from ids. */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

export type Obj = Record<string, unknown>;

export interface FakeDiscordUser {
  id: string;
  username: string;
  global_name?: string | null | undefined;
  bot?: boolean | undefined;
}

export function userObject(u: FakeDiscordUser): Obj {
  return {
    id: u.id, username: u.username, discriminator: "0", global_name: u.global_name ?? null, avatar: null,
    ...(u.bot ? { bot: true } : {}), public_flags: 0, flags: 0,
  };
}

export function memberObject(u: FakeDiscordUser, roles: string[], joinedAt: string): Obj {
  return {
    user: userObject(u), roles, joined_at: joinedAt, deaf: false, mute: false, nick: null, avatar: null,
    premium_since: null, pending: false, communication_disabled_until: null, flags: 0, permissions: "2248473465835073",
  };
}

/** A GUILD_CREATE payload: text channels, roles (with @everyone = the guild id), the bot as the only member. */
export function guildObject(g: { guildId: string; channels: Map<string, string>; roles: Map<string, string>; bot: FakeDiscordUser; joinedAt: string }): Obj {
  const channels = [...g.channels].map(([name, id], position) => ({
    id, type: 0, guild_id: g.guildId, name, position, permission_overwrites: [], parent_id: null, topic: null,
    nsfw: false, rate_limit_per_user: 0, last_message_id: null, flags: 0,
  }));
  const role = (id: string, name: string, position: number) => ({
    id, name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, hoist: false, icon: null,
    unicode_emoji: null, position, permissions: position === 0 ? "1071698660929" : "0", managed: false, mentionable: false, flags: 0,
  });
  const roles = [role(g.guildId, "@everyone", 0), ...[...g.roles].map(([name, id], i) => role(id, name, i + 1))];
  return {
    id: g.guildId, name: "homelab", icon: null, splash: null, discovery_splash: null, owner_id: snowflake(Date.parse("2020-01-01T00:00:00Z")),
    afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0,
    roles, emojis: [], stickers: [], features: [], mfa_level: 0, application_id: null, system_channel_id: null, system_channel_flags: 0,
    rules_channel_id: null, vanity_url_code: null, description: null, banner: null, premium_tier: 0, preferred_locale: "en-US",
    public_updates_channel_id: null, nsfw_level: 0, premium_progress_bar_enabled: false, safety_alerts_channel_id: null,
    joined_at: g.joinedAt, large: false, unavailable: false, member_count: 1, voice_states: [], presences: [],
    members: [{ user: userObject(g.bot), roles: [], joined_at: g.joinedAt, deaf: false, mute: false, flags: 0 }],
    channels, threads: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}

/** A full message object (the fields discord.js reads), as REST returns and interactions carry it. */
export function messageObject(m: {
  id: string; channelId: string; author: FakeDiscordUser; body: Obj; type?: number | undefined; flags?: number | undefined;
  applicationId?: string | undefined; webhookId?: string | undefined; editedAt?: string | null | undefined;
}): Obj {
  return {
    id: m.id, channel_id: m.channelId, type: m.type ?? 0, author: userObject(m.author),
    content: typeof m.body.content === "string" ? m.body.content : "",
    embeds: Array.isArray(m.body.embeds) ? m.body.embeds : [],
    components: Array.isArray(m.body.components) ? m.body.components : [],
    timestamp: new Date(Number((BigInt(m.id) >> 22n) + DISCORD_EPOCH)).toISOString(),
    edited_timestamp: m.editedAt ?? null, tts: false, mention_everyone: false, mentions: [], mention_roles: [],
    attachments: [], pinned: false, flags: m.flags ?? 0,
    ...(m.applicationId ? { application_id: m.applicationId } : {}),
    ...(m.webhookId ? { webhook_id: m.webhookId } : {}),
    ...(typeof m.body.nonce === "string" || typeof m.body.nonce === "number" ? { nonce: m.body.nonce } : {}),
  };
}

/** Collects errors in Discord's nested `errors` shape: `{embeds: {0: {description: {_errors: [...]}}}}`. */
export class FormErrors {
  readonly errors: Obj = {};
  count = 0;

  add(path: (string | number)[], code: string, message: string): void {
    let node = this.errors;
    for (const key of path) node = (node[String(key)] ??= {}) as Obj;
    ((node._errors ??= []) as unknown[]).push({ code, message });
    this.count++;
  }

  maxLength(path: (string | number)[], value: unknown, max: number): void {
    if (typeof value === "string" && value.length > max) this.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
  }

  response(): { status: number; body: Obj } {
    return { status: 400, body: { message: "Invalid Form Body", code: 50035, errors: this.errors } };
  }
}

/** Message create/edit limits: content 2000, 10 embeds (6000 characters in all), 5 rows of 5 buttons. */
export function validateMessageBody(body: Obj, errors = new FormErrors()): FormErrors {
  errors.maxLength(["content"], body.content, 2000);
  errors.maxLength(["nonce"], typeof body.nonce === "number" ? String(body.nonce) : body.nonce, 25);
  if (body.enforce_nonce !== undefined && typeof body.enforce_nonce !== "boolean") errors.add(["enforce_nonce"], "BASE_TYPE_BOOLEAN", "Must be either true or false.");
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Obj[]) : [];
  if (embeds.length > 10) errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
  let total = 0;
  embeds.forEach((e, i) => {
    errors.maxLength(["embeds", i, "title"], e.title, 256);
    errors.maxLength(["embeds", i, "description"], e.description, 4096);
    const fields = Array.isArray(e.fields) ? (e.fields as Obj[]) : [];
    if (fields.length > 25) errors.add(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    fields.forEach((f, j) => {
      errors.maxLength(["embeds", i, "fields", j, "name"], f.name, 256);
      errors.maxLength(["embeds", i, "fields", j, "value"], f.value, 1024);
      if (!f.name || !f.value) errors.add(["embeds", i, "fields", j], "BASE_TYPE_REQUIRED", "This field is required");
      total += String(f.name ?? "").length + String(f.value ?? "").length;
    });
    const footer = e.footer as Obj | undefined;
    errors.maxLength(["embeds", i, "footer", "text"], footer?.text, 2048);
    if (e.url !== undefined && !/^https?:\/\//.test(String(e.url))) errors.add(["embeds", i, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.");
    total += String(e.title ?? "").length + String(e.description ?? "").length + String(footer?.text ?? "").length;
  });
  if (total > 6000) errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
  const rows = Array.isArray(body.components) ? (body.components as Obj[]) : [];
  if (rows.length > 5) errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.");
  rows.forEach((row, i) => {
    const items = Array.isArray(row.components) ? (row.components as Obj[]) : [];
    if (row.type !== 1) errors.add(["components", i, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1}.");
    if (items.length < 1 || items.length > 5) errors.add(["components", i, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.");
    items.forEach((b, j) => {
      errors.maxLength(["components", i, "components", j, "label"], b.label, 80);
      errors.maxLength(["components", i, "components", j, "custom_id"], b.custom_id, 100);
      if (b.type === 2 && b.style !== 5 && !b.custom_id) errors.add(["components", i, "components", j, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required");
    });
  });
  return errors;
}

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

/** Application command limits: names, descriptions, 25 options, required before optional, choices xor autocomplete. */
export function validateCommands(commands: Obj[]): FormErrors {
  const errors = new FormErrors();
  if (commands.length > 100) errors.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
  commands.forEach((c, i) => {
    checkNamed(errors, [i], c);
    checkOptions(errors, [i, "options"], (c.options as Obj[] | undefined) ?? [], 0);
    // Discord: at most 8000 characters of names, descriptions and choices in one command, options included.
    if (commandChars(c) > 8000) errors.add([i], "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)");
  });
  return errors;
}

function commandChars(o: Obj): number {
  const choices = ((o.choices as Obj[] | undefined) ?? []).reduce((n, c) => n + String(c.name ?? "").length + String(c.value ?? "").length, 0);
  const options = ((o.options as Obj[] | undefined) ?? []).reduce((n, x) => n + commandChars(x), 0);
  return String(o.name ?? "").length + String(o.description ?? "").length + choices + options;
}

function checkNamed(errors: FormErrors, path: (string | number)[], o: Obj): void {
  const name = String(o.name ?? "");
  if (!NAME.test(name) || name !== name.toLowerCase()) errors.add([...path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
  const d = String(o.description ?? "");
  if (d.length < 1 || d.length > 100) errors.add([...path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
}

function checkOptions(errors: FormErrors, path: (string | number)[], options: Obj[], depth: number): void {
  if (options.length > 25) errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
  let optionalSeen = false;
  const names = new Set<string>();
  const subs = options.filter((o) => Number(o.type) === 1 || Number(o.type) === 2).length;
  if (subs && subs !== options.length) errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands and options cannot be mixed");
  options.forEach((o, j) => {
    const p = [...path, j];
    checkNamed(errors, p, o);
    if (Number(o.type) === 2 && ((o.options as Obj[] | undefined) ?? []).some((x) => Number(x.type) !== 1)) {
      errors.add([...p, "options"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "A sub-command group holds sub-commands only");
    }
    if (names.has(String(o.name))) errors.add([...p, "name"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists");
    names.add(String(o.name));
    const type = Number(o.type);
    if (type === 1 || type === 2) {
      if (depth > 0 && type === 2) errors.add([...p, "type"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command groups cannot be nested");
      checkOptions(errors, [...p, "options"], (o.options as Obj[] | undefined) ?? [], depth + 1);
      return;
    }
    if (o.required) {
      if (optionalSeen) errors.add([...p, "required"], "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options");
    } else optionalSeen = true;
    const choices = (o.choices as Obj[] | undefined) ?? [];
    if (choices.length > 25) errors.add([...p, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    if (o.autocomplete && choices.length) errors.add([...p, "autocomplete"], "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES", "Autocomplete cannot be set with choices");
    if (o.autocomplete && ![3, 4, 10].includes(type)) errors.add([...p, "autocomplete"], "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID_TYPE", "Autocomplete is only allowed on string, integer and number options");
  });
}
