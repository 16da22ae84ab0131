import { actorKey, type Actor, type Role } from "./actor.ts";

/** Settings `twoPerson`: off by default; when enabled, these commands' confirmations need a second person. */
export interface TwoPersonSettings {
  enabled: boolean;
  commands: readonly string[];
}

export const TWO_PERSON_COMMANDS = ["cleanup-ocp", "app remove", "runner destroy"] as const;

export function needsSecondPerson(s: TwoPersonSettings, command: string): boolean {
  return s.enabled && s.commands.includes(command);
}

/**
 * Who may click a confirmation: the asker alone, or (two-person rule) anyone with the role except the asker.
 * Spread into ActionStore.create; dispatchAction and the store's claim both enforce it.
 */
export function confirmBinding(secondPerson: boolean, asker: Actor): { boundTo?: string; boundName?: string; notBy?: string; notByName?: string } {
  return secondPerson ? { notBy: actorKey(asker), notByName: asker.name } : { boundTo: actorKey(asker), boundName: asker.name };
}

/** The line a preview ends with: who asked and who may confirm, and when it expires. */
export function confirmWhoLine(secondPerson: boolean, asker: Actor, role: Role, expires: string): string {
  return secondPerson
    ? `Asked by ${asker.name}. Two-person rule: someone other than ${asker.name} with the ${role} role must confirm; this expires in ${expires}.`
    : `Only ${asker.name} can confirm; this expires in ${expires}.`;
}
