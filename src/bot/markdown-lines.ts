/**
 * A Message's lines as Markdown for the platforms that speak it (Discord, Mattermost): runs of indented lines
 * (command output) become one code block, with ``` inside them defused; every other line goes through `inline`.
 */
export function markdownLines(lines: readonly string[], o: { inline: (line: string) => string; block?: (line: string) => string }): string[] {
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length) out.push("```", ...block.map((l) => (o.block ? o.block(l.slice(2)) : l.slice(2)).replace(/```/g, "ˋˋˋ")), "```");
    block = [];
  };
  for (const line of lines) {
    if (line.startsWith("  ")) {
      block.push(line);
      continue;
    }
    flush();
    out.push(o.inline(line));
  }
  flush();
  return out;
}
