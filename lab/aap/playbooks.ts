import { LAB_HOSTS } from "../homelab.ts";
import type { PlaybookSpec } from "./records.ts";
import { DOCKER_APP_TASKS, MASTER_DEPLOY_PRE_TASKS } from "./fake-master-deploy.ts";

const role = (r: string) => LAB_HOSTS.filter((h) => h.role === r).map((h) => h.name);

/** What each seeded playbook does, task by task. */
export const PLAYBOOKS: Record<string, PlaybookSpec> = {
  "master_deploy.yml": {
    play: (v) => `Deploy ${typeof v.app === "string" ? v.app : "apps"}`,
    hosts: (inventory) => inventory,
    gatherFacts: false,
    tasks: [
      ...MASTER_DEPLOY_PRE_TASKS,
      ...DOCKER_APP_TASKS,
    ],
  },
  "setup_aap.yml": {
    play: () => "Setup AAP (Seeder)",
    hosts: () => ["localhost"],
    gatherFacts: false,
    tasks: [
      ["Ensure organization", "awx.awx.organization"], ["Ensure credential types", "awx.awx.credential_type"],
      ["Ensure Nautobot API credential", "awx.awx.credential"], ["Ensure GitHub Runner Token credential", "awx.awx.credential"],
      ["Ensure SSH credentials", "awx.awx.credential"], ["Ensure AAP Controller credential", "awx.awx.credential"],
      ["Ensure project", "awx.awx.project"], ["Ensure inventory", "awx.awx.inventory"], ["Ensure inventory source", "awx.awx.inventory_source"],
      ["Ensure webhook notification", "awx.awx.notification_template"], ["Ensure job templates", "awx.awx.job_template"],
    ].map(([name, action]) => ({ name: name!, action: action! })),
  },
  "github_runner.yml": {
    play: () => "Deploy GitHub Runner",
    hosts: (inventory) => inventory,
    gatherFacts: false,
    tasks: [
      {
        name: "Require a limit to the runner's host", action: "ansible.builtin.assert", msg: "All assertions passed",
        check: (c) => (c.job.limit === c.host ? undefined : "Deploy GitHub Runner must be launched with limit=<the runner's host name>; refusing to touch every host."),
      },
      { name: "Check the runner registration inputs", action: "ansible.builtin.assert" },
      { name: "Install packages the runner needs", action: "ansible.builtin.apt" },
      { name: "Create the runner user", action: "ansible.builtin.user", changes: true },
      { name: "Create the runner directory", action: "ansible.builtin.file", changes: true },
      { name: "Download the runner release", action: "ansible.builtin.get_url", changes: true },
      { name: "Unpack the runner", action: "ansible.builtin.unarchive", changes: true },
      { name: "Register the runner", action: "ansible.builtin.command", changes: true },
      { name: "Start the runner service", action: "ansible.builtin.systemd_service", changes: true },
    ],
  },
  "backup_job.yml": {
    play: () => "Create a backup job",
    hosts: (inventory, v) => inventory.filter((h) => h === v.backup_host),
    gatherFacts: false,
    tasks: [
      {
        name: "Check the survey answers", action: "ansible.builtin.assert", msg: "All assertions passed",
        check: (c) => {
          const v = c.job.extraVars;
          const days = Number(v.backup_retention);
          return typeof v.backup_host === "string" && Number.isInteger(days) && days >= 1 && days <= 90 && typeof v.backup_password === "string" && v.backup_password.length >= 8
            ? undefined : "backup_host (one host), backup_retention (1..90) and backup_password (8 characters or more) are required.";
        },
      },
      { name: "Create the backup directory", action: "ansible.builtin.file", changes: true },
      { name: "Write the backup job", action: "ansible.builtin.copy", changes: true },
    ],
  },
  "cleanup_ocp.yml": {
    play: (v) => (v.cleanup_action === "restore" ? "Restore OCP folders" : "Delete OCP folders"),
    hosts: () => role("storage"),
    gatherFacts: false,
    tasks: (v) =>
      v.cleanup_action === "restore"
        ? [
          { name: "Validate the request", action: "ansible.builtin.assert" },
          { name: "Inspect the snapshot directory", action: "ansible.builtin.stat" },
          { name: "Copy folders back from the snapshot", action: "ansible.builtin.command", changes: true },
          { name: "Move restored folders into place", action: "ansible.builtin.command", changes: true },
          { name: "Report the restore", action: "ansible.builtin.set_stats" },
        ]
        : [
          { name: "Validate the request", action: "ansible.builtin.assert" },
          { name: "Validate the folders", action: "ansible.builtin.stat" },
          { name: "Delete folders", action: "ansible.builtin.file", changes: true },
          { name: "Report the cleanup", action: "ansible.builtin.set_stats" },
        ],
  },
};
