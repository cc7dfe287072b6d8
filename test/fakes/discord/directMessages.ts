/**
 * Direct messages between the bot and users, as Discord serves them: POST /users/@me/channels opens (or returns)
 * the DM channel with a user; POST /channels/{dm}/messages is refused with 50007 "Cannot send messages to this
 * user" when the user closed their DMs; button presses under a DM arrive without a guild (`user`, not `member`).
 */
import type { ApiError } from './interactionLog.js';
import type { UserRecord } from './model.js';
import { messagePayload, userPayload, type Json } from './payloads.js';

/** A message the bot sent in a DM channel. */
export interface DirectMessage {
  id: string;
  channelId: string;
  userId: string;
  content: string;
  /** The buttons' custom ids and labels, in order. */
  buttons: { customId: string; label: string }[];
  body: unknown;
  at: number;
}

/** What a press on a DM's button needs from the fake. */
export interface DmButtonSpec {
  /** User name or id (also someone who left every guild). */
  user: string;
  customId: string;
  message: { id: string; content: string };
}

export class DirectMessages {
  /** Messages the bot sent in DMs, in order. */
  readonly sent: DirectMessage[] = [];
  /** Users who closed their DMs (Discord: "Allow direct messages from server members" off). */
  readonly closed = new Set<string>();
  readonly #channels = new Map<string, UserRecord>();
  readonly #byUser = new Map<string, string>();

  constructor(
    private readonly bot: UserRecord,
    private readonly findUser: (ref: string) => UserRecord | undefined,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  /** POST /users/@me/channels {recipient_id}. */
  open(body: unknown): { created: Json } | ApiError {
    const recipient = (body as { recipient_id?: unknown } | undefined)?.recipient_id;
    const user = typeof recipient === 'string' ? this.findUser(recipient) : undefined;
    if (!user) return { status: 400, code: 50035, message: 'Invalid Form Body (recipient_id)' };
    let channelId = this.#byUser.get(user.id);
    if (channelId === undefined) {
      channelId = this.newId();
      this.#byUser.set(user.id, channelId);
      this.#channels.set(channelId, user);
    }
    return { created: this.channelPayload(channelId, user) };
  }

  /** Whether `channelId` is a DM channel this fake opened. */
  has(channelId: string): boolean {
    return this.#channels.has(channelId);
  }

  /** POST /channels/{dm}/messages. */
  send(channelId: string, body: unknown): { created: Json } | ApiError {
    const user = this.#channels.get(channelId);
    if (!user) return { status: 404, code: 10003, message: 'Unknown Channel' };
    if (this.closed.has(user.id)) return { status: 403, code: 50007, message: 'Cannot send messages to this user' };
    const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
    const content = typeof b['content'] === 'string' ? b['content'] : '';
    const rows = (Array.isArray(b['components']) ? b['components'] : []) as { components?: { custom_id?: string; label?: string }[] }[];
    const buttons = rows.flatMap((r) => r.components ?? []).map((c) => ({ customId: String(c.custom_id), label: String(c.label) }));
    const id = this.newId();
    this.sent.push({ id, channelId, userId: user.id, content, buttons, body, at: this.now() });
    return { created: { ...messagePayload({ id, channelId, author: this.bot, content }), components: b['components'] ?? [] } };
  }

  /** The INTERACTION_CREATE `d` of a press on a button under a DM (no guild_id; `user` instead of `member`). */
  buttonPayload(spec: DmButtonSpec, ids: { id: string; token: string }): { d: Json; channelId: string; userId: string } {
    const user = this.findUser(spec.user);
    if (!user) throw new Error(`fake Discord: unknown user '${spec.user}'`);
    const channelId = this.#byUser.get(user.id) ?? (this.open({ recipient_id: user.id }) as { created: Json }).created['id'] as string;
    const message = messagePayload({ id: spec.message.id, channelId, author: this.bot, content: spec.message.content });
    const d: Json = {
      id: ids.id, application_id: this.bot.id, type: 3, token: ids.token, version: 1,
      channel_id: channelId, channel: this.channelPayload(channelId, user), user: userPayload(user),
      app_permissions: '0', locale: 'en-US', entitlements: [], authorizing_integration_owners: { '0': '0' }, context: 1,
      attachment_size_limit: 10_485_760, data: { custom_id: spec.customId, component_type: 2 }, message,
    };
    return { d, channelId, userId: user.id };
  }

  private channelPayload(channelId: string, user: UserRecord): Json {
    return { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [userPayload(user)] };
  }
}
