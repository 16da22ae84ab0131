import type { Config } from "../config.ts";
import { compileOcpPattern } from "./folder-name.ts";
import { checkCleanupSettings } from "./share-path.ts";

/** The validated /cleanup-ocp settings (from `truenas` in the YAML file). */
export interface CleanupSettings {
  share: string;
  dataset: string;
  holdingDataset: string;
  pattern: RegExp;
  patternSource: string;
  /** How long held datasets (and the Restore button) are kept, in ms. */
  retentionMs: number;
  /** The TrueNAS host in AAP's inventory (the playbook's limit). */
  host: string;
}

/** Reads and checks the settings; throws a UserError naming the bad setting. */
export function cleanupSettings(config: Pick<Config, "truenasSettings">): CleanupSettings {
  const t = config.truenasSettings;
  const share = t.share.replace(/\/+$/, "");
  checkCleanupSettings({ share, dataset: t.dataset, holdingDataset: t.holdingDataset });
  return {
    share, dataset: t.dataset, holdingDataset: t.holdingDataset, pattern: compileOcpPattern(t.ocpPattern),
    patternSource: t.ocpPattern, retentionMs: t.retention, host: t.host,
  };
}

/** The target lock every /cleanup-ocp job on this share holds. */
export const cleanupLockKey = (dataset: string) => `truenas:${dataset}`;
