import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AapState } from "./state.ts";
import type { Obj, Tpl } from "./records.ts";
import { recOf } from "./objects.ts";

const PLAYBOOK_DIR = fileURLToPath(new URL("../../playbooks/", import.meta.url));

/**
 * The playbooks a project offers (GET projects/:id/playbooks/): the lab's projects all check out this
 * repository, whose plays live in playbooks/ (so templates name them `playbooks/<file>.yml`).
 */
export function projectPlaybooks(): string[] {
  try {
    return readdirSync(PLAYBOOK_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `playbooks/${f}`);
  } catch {
    return [];
  }
}

/** Keeps a template's mirrored properties in step with its fields. */
export function syncTpl(t: Tpl): Tpl {
  const f = t.fields;
  t.name = String(f.name);
  t.playbook = String(f.playbook);
  t.description = String(f.description ?? "");
  t.inventory = (f.inventory as number | null) ?? null;
  t.ask = { variables: f.ask_variables_on_launch === true, limit: f.ask_limit_on_launch === true, job_type: f.ask_job_type_on_launch === true, inventory: f.ask_inventory_on_launch === true, diff_mode: f.ask_diff_mode_on_launch === true };
  return t;
}

/** JobTemplateSerializer.validate: a project, a playbook in it, an inventory or a prompt for one. */
export function templateRules(s: AapState, f: Obj): Obj | undefined {
  if (f.project === null || f.project === undefined) return { project: ["Job Templates must have a project assigned."] };
  const project = recOf(s, "projects", f.project);
  if (!project || project.fields.scm_type === undefined) return { project: [`Invalid pk "${String(f.project)}" - object does not exist.`] };
  if (!f.playbook) return { playbook: ["This field is required."] };
  if (!projectPlaybooks().includes(String(f.playbook))) return { playbook: ["Playbook not found for project."] };
  if ((f.inventory === null || f.inventory === undefined) && f.ask_inventory_on_launch !== true) {
    return { inventory: ["Job Template must provide 'inventory' or allow prompting for it."] };
  }
  return undefined;
}
