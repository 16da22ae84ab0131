import { Writable } from "node:stream";
import type { Interface } from "node:readline";

/**
 * The chat view on a terminal: what labops prints (replies, progress edits, alerts) goes above the prompt.
 * Each write clears the prompt line, prints, and redraws the prompt with what was typed so far, so output
 * arriving while someone types never breaks their line. Before a readline interface is attached, writes pass through.
 */
export class TerminalOutput extends Writable {
  #rl: Interface | undefined;

  constructor(private readonly tty: NodeJS.WritableStream) {
    super();
  }

  attach(rl: Interface): void {
    this.#rl = rl;
    rl.once("close", () => (this.#rl = undefined));
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.#rl) {
      this.tty.write(chunk, () => cb());
      return;
    }
    this.tty.write("\r\x1b[K");
    this.tty.write(chunk);
    this.#rl.prompt(true);
    cb();
  }
}
