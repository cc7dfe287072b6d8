import { EventEmitter } from 'node:events';
import { FakeDiscordError } from './errors.js';
import { waitFor } from './waitFor.js';

const EPHEMERAL = 64;

/** An interaction the fake dispatched. */
export interface DispatchedInteraction {
  id: string;
  token: string;
  kind: 'command' | 'autocomplete' | 'component';
  /** The command's name, or a component's custom_id. */
  command: string;
  guildId: string;
  channelId: string;
  userId: string;
  /** Clock time of the dispatch (same clock as audio frames). */
  dispatchedAt: number;
}

/** One thing the bot did to answer an interaction, in order. */
export interface InteractionResponse {
  via: 'callback' | 'edit' | 'followup' | 'delete';
  at: number;
  /** Callback type (4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete result). */
  callbackType?: number;
  messageId?: string;
  content: string;
  flags: number;
  /** For edits: whether the original message is ephemeral (an edit cannot change it). */
  ephemeral: boolean;
  embeds: unknown[];
  /** Autocomplete choices (callback type 8). */
  choices?: { name: string; value: string | number }[];
  body: unknown;
}

/** A response that shows a message to the user (a reply, an edit of the deferred reply, a follow-up). */
export interface InteractionReply {
  via: 'callback' | 'edit' | 'followup';
  content: string;
  flags: number;
  ephemeral: boolean;
  embeds: unknown[];
  at: number;
  body: unknown;
}

/** A REST error as Discord sends it. */
export interface ApiError {
  status: number;
  code: number;
  message: string;
}

interface Entry {
  interaction: DispatchedInteraction;
  responses: InteractionResponse[];
  original?: { id: string; flags: number; deleted: boolean };
}

export interface ReplyWaitOptions {
  timeoutMs?: number;
  /** Wait for a reply that matches (default: the first reply). */
  match?: (reply: InteractionReply) => boolean;
}

/** Tracks interactions and every callback, edit and follow-up the bot sends for them. */
export class InteractionLog extends EventEmitter {
  readonly #byId = new Map<string, Entry>();
  readonly #byToken = new Map<string, Entry>();

  constructor(private readonly now: () => number, private readonly newId: () => string) {
    super();
  }

  register(interaction: DispatchedInteraction): void {
    const entry: Entry = { interaction, responses: [] };
    this.#byId.set(interaction.id, entry);
    this.#byToken.set(interaction.token, entry);
  }

  get(id: string): DispatchedInteraction | undefined {
    return this.#byId.get(id)?.interaction;
  }

  byToken(token: string): DispatchedInteraction | undefined {
    return this.#byToken.get(token)?.interaction;
  }

  /** POST /interactions/{id}/{token}/callback. Returns the original message id (if any) or an error. */
  callback(id: string, token: string, body: unknown): { messageId?: string; ephemeral: boolean } | ApiError {
    const entry = this.#byId.get(id);
    if (!entry || entry.interaction.token !== token) return { status: 404, code: 10062, message: 'Unknown interaction' };
    if (entry.responses.some((r) => r.via === 'callback')) {
      return { status: 400, code: 40060, message: 'Interaction has already been acknowledged.' };
    }
    const b = asRecord(body);
    const type = typeof b['type'] === 'number' ? b['type'] : 0;
    const data = asRecord(b['data']);
    const flags = numberOf(data['flags']);
    const response = this.#response('callback', body, data, flags & EPHEMERAL ? true : false);
    response.callbackType = type;
    if (type === 8) response.choices = Array.isArray(data['choices']) ? (data['choices'] as { name: string; value: string | number }[]) : [];
    if (type === 4 || type === 5) {
      entry.original = { id: this.newId(), flags, deleted: false };
      response.messageId = entry.original.id;
    }
    this.#push(entry, response);
    return { ...(entry.original ? { messageId: entry.original.id } : {}), ephemeral: response.ephemeral };
  }

  /** PATCH /webhooks/{app}/{token}/messages/{@original|id}. */
  edit(token: string, messageId: string, body: unknown): { messageId: string; flags: number } | ApiError {
    const entry = this.#byToken.get(token);
    if (!entry) return { status: 404, code: 10015, message: 'Unknown Webhook' };
    const target = messageId === '@original' ? entry.original : undefined;
    const followUp = entry.responses.find((r) => r.via === 'followup' && r.messageId === messageId);
    if ((!target || target.deleted) && !followUp) return { status: 404, code: 10008, message: 'Unknown Message' };
    const data = asRecord(body);
    const flags = target ? target.flags : followUp?.flags ?? 0;
    const response = this.#response('edit', body, data, (flags & EPHEMERAL) !== 0);
    response.flags = flags;
    response.messageId = target ? target.id : messageId;
    this.#push(entry, response);
    return { messageId: response.messageId, flags };
  }

  /** POST /webhooks/{app}/{token}: a follow-up needs an acknowledged interaction. */
  followUp(token: string, body: unknown): { messageId: string; flags: number } | ApiError {
    const entry = this.#byToken.get(token);
    if (!entry || !entry.responses.some((r) => r.via === 'callback')) {
      return { status: 404, code: 10015, message: 'Unknown Webhook' };
    }
    const data = asRecord(body);
    const flags = numberOf(data['flags']);
    const response = this.#response('followup', body, data, (flags & EPHEMERAL) !== 0);
    response.messageId = this.newId();
    this.#push(entry, response);
    return { messageId: response.messageId, flags };
  }

  /** DELETE /webhooks/{app}/{token}/messages/{@original|id}. */
  delete(token: string, messageId: string): true | ApiError {
    const entry = this.#byToken.get(token);
    if (!entry) return { status: 404, code: 10015, message: 'Unknown Webhook' };
    if (messageId === '@original') {
      if (!entry.original || entry.original.deleted) return { status: 404, code: 10008, message: 'Unknown Message' };
      entry.original.deleted = true;
    }
    const response = this.#response('delete', undefined, {}, false);
    response.messageId = messageId;
    this.#push(entry, response);
    return true;
  }

  /** The message content of the original response (what GET @original returns). */
  original(token: string): { id: string; content: string; flags: number; embeds: unknown[] } | undefined {
    const entry = this.#byToken.get(token);
    if (!entry?.original || entry.original.deleted) return undefined;
    const shown = [...entry.responses].reverse().find((r) => r.messageId === entry.original?.id && r.via !== 'delete');
    return { id: entry.original.id, content: shown?.content ?? '', flags: entry.original.flags, embeds: shown?.embeds ?? [] };
  }

  /** Everything the bot sent for an interaction, in order. */
  responses(id: string): InteractionResponse[] {
    return [...(this.#entry(id).responses)];
  }

  /** Responses that show a message (not deferrals, deletions or autocomplete results). */
  replies(id: string): InteractionReply[] {
    return this.#entry(id).responses.flatMap((r): InteractionReply[] => {
      if (r.via === 'delete' || (r.via === 'callback' && r.callbackType !== 4 && r.callbackType !== 7)) return [];
      return [{ via: r.via, content: r.content, flags: r.flags, ephemeral: r.ephemeral, embeds: r.embeds, at: r.at, body: r.body }];
    });
  }

  /** The first reply (or the first matching `match`), whether sent as a callback, an edit or a follow-up. */
  waitForReply(id: string, options: ReplyWaitOptions = {}): Promise<InteractionReply> {
    const entry = this.#entry(id);
    const match = options.match ?? (() => true);
    return waitFor(this, 'response', () => this.replies(id).find(match), {
      timeoutMs: options.timeoutMs ?? 5000,
      what: `a reply to interaction /${entry.interaction.command} (${id})`,
      detail: () => `responses so far: ${JSON.stringify(entry.responses.map((r) => ({ via: r.via, type: r.callbackType, content: r.content })))}`,
    });
  }

  /** The choices of an autocomplete result. */
  waitForChoices(id: string, timeoutMs = 5000): Promise<{ name: string; value: string | number }[]> {
    const entry = this.#entry(id);
    return waitFor(this, 'response', () => entry.responses.find((r) => r.callbackType === 8)?.choices, {
      timeoutMs, what: `autocomplete choices for /${entry.interaction.command} (${id})`,
    });
  }

  #entry(id: string): Entry {
    const entry = this.#byId.get(id);
    if (!entry) throw new FakeDiscordError(`unknown interaction ${id}`);
    return entry;
  }

  #response(via: InteractionResponse['via'], body: unknown, data: Record<string, unknown>, ephemeral: boolean): InteractionResponse {
    return {
      via, at: this.now(), content: typeof data['content'] === 'string' ? data['content'] : '',
      flags: numberOf(data['flags']), ephemeral, embeds: Array.isArray(data['embeds']) ? data['embeds'] : [], body,
    };
  }

  #push(entry: Entry, response: InteractionResponse): void {
    entry.responses.push(response);
    this.emit('response', entry.interaction, response);
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
