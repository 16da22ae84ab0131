import { labProfile } from "../../lab/lab-profiles.ts";

/**
 * The lab profile a test run plays (LAB_PROFILE, default awx-24): client tests that build a fake directly
 * take its versions from here, so `LAB_PROFILE=awx-23 npx vitest run test/integration/nautobot-client.test.ts`
 * checks the client against Nautobot 2.0.
 */
export const TEST_PROFILE = labProfile(process.env.LAB_PROFILE);

/** Fake AAP options for the profile, for tests that talk to the controller's own API path (not the gateway). */
export const profileAap = () => ({ product: TEST_PROFILE.aap.product, listExtraVars: TEST_PROFILE.aap.listExtraVars });
export const profileNautobot = () => ({ version: TEST_PROFILE.nautobot.version });
export const profileProxmox = () => ({
  version: { version: TEST_PROFILE.proxmox.version, release: TEST_PROFILE.proxmox.release }, legacyErrors: TEST_PROFILE.proxmox.legacyErrors,
});
