import type { ChannelRef, MessageRef } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import type { Notifier } from "../../core/notifier.ts";
import type { ButtonSigner } from "./button-context.ts";
import type { MattermostApi } from "./mattermost-api.ts";
import { renderPost } from "./mattermost-render.ts";

/**
 * The raw Mattermost notifier: progress and alert messages are the bot account's own posts, created with
 * POST /posts and edited with PUT /posts/{id}/patch, so a job of any length keeps its one post up to date.
 * Buttons carry a context signed for the post's channel. Wrap it in a ThrottledNotifier.
 */
export class MattermostNotifier implements Notifier {
  constructor(
    private readonly api: MattermostApi,
    private readonly signer: ButtonSigner,
    private readonly actionsUrl: string,
  ) {}

  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    const post = await this.api.createPost(target.channel, this.#body(target.channel, msg), target.thread);
    return { platform: "mattermost", channel: target.channel, ...(target.thread ? { thread: target.thread } : {}), messageId: post.id };
  }

  async edit(ref: MessageRef, msg: Message): Promise<void> {
    await this.api.patchPost(ref.messageId, this.#body(ref.channel, msg));
  }

  #body(channel: string, msg: Message) {
    return renderPost(msg, { actionsUrl: this.actionsUrl, context: (id) => this.signer.context(channel, id) });
  }
}
