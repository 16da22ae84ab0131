/**
 * A mute scope as `/alerts mute` takes it: an app, a host, or a template (an AAP job template, or `gitops`).
 * Shared by the settings (`alerts.maintenance` in config.ts) and the alerts (`alerts/mutes.ts`).
 */
export const MUTE_SCOPE = /^(app|host|template):[A-Za-z0-9][A-Za-z0-9 ._:@/-]{0,99}$/;
