import { createRequire } from "node:module";
import type * as DiscordRest from "@discordjs/rest";

/**
 * @discordjs/rest, always its CommonJS build: the one discord.js itself loads. The package ships a CommonJS and
 * an ES module build, and an ES `import` would load the second copy, whose error classes are different objects:
 * `instanceof RateLimitError` would then fail for errors thrown by discord.js's own REST client.
 */
const rest = createRequire(import.meta.url)("@discordjs/rest") as typeof DiscordRest;

export const { REST, DiscordAPIError, HTTPError, RateLimitError } = rest;
export type REST = DiscordRest.REST;
export type RESTOptions = DiscordRest.RESTOptions;
export type RateLimitData = DiscordRest.RateLimitData;
