/** The Block Kit limits labops relies on: ≤ 50 blocks, section text ≤ 3000, header ≤ 150, ≤ 10 fields, ≤ 25 actions. */
export function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((b: { type?: string; text?: { text?: string }; fields?: unknown[]; elements?: unknown[] }) => {
    if (b.type === "header") return (b.text?.text?.length ?? 0) <= 150;
    if (b.type === "section") return (b.text?.text?.length ?? 0) <= 3000 && (b.fields?.length ?? 0) <= 10 && (b.text !== undefined || b.fields !== undefined);
    if (b.type === "actions") return (b.elements?.length ?? 0) >= 1 && (b.elements?.length ?? 0) <= 25;
    if (b.type === "context") return (b.elements?.length ?? 0) >= 1 && (b.elements?.length ?? 0) <= 10;
    return ["divider", "image", "input", "rich_text", "file", "video", "markdown"].includes(String(b.type));
  });
}

/** The button with this action_id in a message's blocks, with its block id. */
export function findButton(blocks: unknown[], actionId: string): { button: Record<string, unknown>; blockId: string } | undefined {
  for (const b of blocks as { type?: string; block_id?: string; elements?: Record<string, unknown>[] }[]) {
    if (b.type !== "actions") continue;
    const button = b.elements?.find((e) => e.type === "button" && e.action_id === actionId);
    if (button) return { button, blockId: b.block_id ?? "actions" };
  }
  return undefined;
}
