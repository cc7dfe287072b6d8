import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandStore } from './commandStore.js';
import type { ApiError, InteractionLog } from './interactionLog.js';
import type { UserRecord } from './model.js';
import { messagePayload, userPayload, type Json } from './payloads.js';
import { waitFor } from './waitFor.js';

/** One request the bot made, as the fake understood it. */
export interface RestCall {
  method: string;
  /** Decoded path after /api/v{n} ('/webhooks/1/tok/messages/@original'). */
  path: string;
  /** The matched route template ('/webhooks/:app/:token/messages/:message'), or null (answered 404). */
  route: string | null;
  params: Record<string, string>;
  query: Record<string, string>;
  /** JSON body (for multipart: the parsed payload_json), or undefined. */
  body: unknown;
  files: { field: string; filename: string; size: number }[];
  status: number;
  at: number;
}

export interface RestDeps {
  token: string;
  bot: UserRecord;
  applicationId: string;
  gatewayUrl: () => string;
  interactions: InteractionLog;
  commands: CommandStore;
  now: () => number;
  newId: () => string;
  /** GET /gateway/bot: the recommended shard count and IDENTIFYs allowed per 5 s. Default 1 and 1. */
  sharding?: { count: number; maxConcurrency: number };
  /** POST /channels/{id}/messages: the created message, or an error (unknown channel...). */
  createMessage: (channelId: string, body: unknown) => { created: Json } | ApiError;
  /** POST /users/@me/channels: the DM channel with a user, or an error. */
  openDm?: (body: unknown) => { created: Json } | ApiError;
  /** PUT a reaction: why Discord would refuse it (no Add Reactions...), or undefined. */
  react: (channelId: string) => ApiError | undefined;
  /** The address to listen on. Default 127.0.0.1. */
  host?: string;
}

interface Reply { status: number; body?: unknown }
type Handler = (params: Record<string, string>, body: unknown, query: Record<string, string>) => Reply;
interface Route { method: string; template: string; regex: RegExp; keys: string[]; auth: boolean; handler: Handler }

/** The fake REST API on http://HOST:PORT/api (127.0.0.1 unless `host` says otherwise). Every request is recorded in `calls`. */
export class RestServer extends EventEmitter {
  readonly calls: RestCall[] = [];
  readonly #server: Server;
  readonly #routes: Route[] = [];

  private constructor(private readonly deps: RestDeps) {
    super();
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#defineRoutes();
  }

  static async start(deps: RestDeps): Promise<RestServer> {
    const rest = new RestServer(deps);
    await new Promise<void>((resolve, reject) => {
      rest.#server.once('error', reject);
      rest.#server.listen(0, deps.host ?? '127.0.0.1', () => resolve());
    });
    return rest;
  }

  /** What discord.js takes as `rest.api`. */
  get apiUrl(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `http://${address}:${port}/api`;
  }

  /** The first recorded call (past or future) that matches. */
  waitForCall(predicate: (call: RestCall) => boolean, timeoutMs = 5000): Promise<RestCall> {
    return waitFor(this, 'call', () => this.calls.find(predicate), {
      timeoutMs, what: 'a matching REST call',
      detail: () => `calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ') || 'none'}`,
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #defineRoutes(): void {
    const d = this.deps;
    const { interactions, commands } = d;
    const ok = (body: unknown): Reply => ({ status: 200, body });
    const asError = (e: ApiError): Reply => ({ status: e.status, body: { message: e.message, code: e.code } });
    const scope = (p: Record<string, string>): string => p['guild'] ?? 'global';
    const notMine = (p: Record<string, string>): Reply | undefined =>
      p['app'] === d.applicationId ? undefined : { status: 403, body: { message: 'Missing Access', code: 50001 } };
    const webhookMessage = (token: string, id: string, flags: number, body: unknown): Json => {
      const ix = interactions.byToken(token);
      const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
      return messagePayload({
        id, channelId: ix?.channelId ?? '0', guildId: ix?.guildId ?? '0', author: d.bot, type: 20, flags,
        content: typeof b['content'] === 'string' ? b['content'] : '', embeds: Array.isArray(b['embeds']) ? b['embeds'] : [],
        webhookId: d.applicationId, applicationId: d.applicationId,
      });
    };

    this.#route('GET', '/gateway/bot', true, () => ok({
      url: d.gatewayUrl(), shards: d.sharding?.count ?? 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: d.sharding?.maxConcurrency ?? 1 },
    }));
    this.#route('GET', '/gateway', false, () => ok({ url: d.gatewayUrl() }));
    this.#route('GET', '/users/@me', true, () => ok({ ...userPayload(d.bot), verified: true, mfa_enabled: false }));
    this.#route('GET', '/applications/@me', true, () => ok({
      id: d.applicationId, name: d.bot.username, icon: null, description: '', bot_public: true,
      bot_require_code_grant: false, flags: 0, bot: userPayload(d.bot), owner: userPayload(d.bot), team: null,
    }));
    for (const base of ['/applications/:app/commands', '/applications/:app/guilds/:guild/commands']) {
      this.#route('GET', base, true, (p) => notMine(p) ?? ok(commands.list(scope(p))));
      this.#route('PUT', base, true, (p, body) => notMine(p) ?? ok(commands.replace(scope(p), Array.isArray(body) ? body : [])));
      this.#route('POST', base, true, (p, body) => notMine(p) ?? { status: 201, body: commands.upsert(scope(p), body) });
      this.#route('PATCH', `${base}/:command`, true, (p, body) => {
        const patched = commands.patch(scope(p), p['command'] ?? '', body);
        return notMine(p) ?? (patched ? ok(patched) : { status: 404, body: { message: 'Unknown application command', code: 10063 } });
      });
      this.#route('DELETE', `${base}/:command`, true, (p) =>
        notMine(p) ?? (commands.remove(scope(p), p['command'] ?? '') ? { status: 204 } : { status: 404, body: { message: 'Unknown application command', code: 10063 } }));
    }
    this.#route('POST', '/interactions/:id/:token/callback', false, (p, body, query) => {
      const result = interactions.callback(p['id'] ?? '', p['token'] ?? '', body);
      if ('status' in result) return asError(result);
      if (query['with_response'] !== 'true') return { status: 204 };
      const ix = interactions.get(p['id'] ?? '');
      const type = (body as Json)['type'];
      const original = ix ? interactions.original(ix.token) : undefined;
      return ok({
        interaction: {
          id: p['id'], type: ix?.kind === 'autocomplete' ? 4 : ix?.kind === 'component' ? 3 : 2, activity_instance_id: null,
          response_message_id: result.messageId ?? null, response_message_loading: type === 5,
          response_message_ephemeral: result.ephemeral,
        },
        resource: {
          type,
          ...(original && ix && type === 4 ? { message: webhookMessage(ix.token, original.id, original.flags, (body as Json)['data']) } : {}),
        },
      });
    });
    this.#route('GET', '/webhooks/:app/:token/messages/:message', false, (p) => {
      const original = p['message'] === '@original' ? interactions.original(p['token'] ?? '') : undefined;
      if (!original) return asError({ status: 404, code: 10008, message: 'Unknown Message' });
      return ok(webhookMessage(p['token'] ?? '', original.id, original.flags, original));
    });
    this.#route('PATCH', '/webhooks/:app/:token/messages/:message', false, (p, body) => {
      const result = interactions.edit(p['token'] ?? '', p['message'] ?? '', body);
      return 'status' in result ? asError(result) : ok(webhookMessage(p['token'] ?? '', result.messageId, result.flags, body));
    });
    this.#route('DELETE', '/webhooks/:app/:token/messages/:message', false, (p) => {
      const result = interactions.delete(p['token'] ?? '', p['message'] ?? '');
      return result === true ? { status: 204 } : asError(result);
    });
    this.#route('POST', '/webhooks/:app/:token', false, (p, body) => {
      const result = interactions.followUp(p['token'] ?? '', body);
      return 'status' in result ? asError(result) : ok(webhookMessage(p['token'] ?? '', result.messageId, result.flags, body));
    });
    this.#route('POST', '/users/@me/channels', true, (_p, body) => {
      const result = d.openDm?.(body) ?? { status: 404, code: 0, message: 'DMs are not served' };
      return 'created' in result ? ok(result.created) : asError(result);
    });
    this.#route('POST', '/channels/:channel/messages', true, (p, body) => {
      const result = d.createMessage(p['channel'] ?? '', body);
      return 'created' in result ? ok(result.created) : asError(result);
    });
    this.#route('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', true, (p) => {
      const refused = d.react(p['channel'] ?? '');
      return refused ? asError(refused) : { status: 204 };
    });
    this.#route('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', true, () => ({ status: 204 }));
  }

  #route(method: string, template: string, auth: boolean, handler: Handler): void {
    const keys: string[] = [];
    const pattern = template.split('/').map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(seg.slice(1));
      return '([^/]+)';
    }).join('/');
    this.#routes.push({ method, template, regex: new RegExp(`^${pattern}$`), keys, auth, handler });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = url.pathname.replace(/^\/api(\/v\d+)?/, '');
    const path = raw.split('/').map(safeDecode).join('/');
    const query = Object.fromEntries(url.searchParams);
    const call: RestCall = { method, path, route: null, params: {}, query, body: undefined, files: [], status: 0, at: this.deps.now() };
    let reply: Reply;
    try {
      const parsed = await readBody(req);
      call.body = parsed.body;
      call.files = parsed.files;
      reply = this.#dispatch(call, req.headers.authorization);
    } catch (error) {
      reply = { status: 400, body: { message: `fake Discord could not read the request: ${(error as Error).message}`, code: 50109 } };
    }
    call.status = reply.status;
    this.calls.push(call);
    this.emit('call', call);
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
      return;
    }
    res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body));
  }

  #dispatch(call: RestCall, authorization: string | undefined): Reply {
    for (const route of this.#routes) {
      if (route.method !== call.method) continue;
      const match = route.regex.exec(call.path);
      if (!match) continue;
      call.route = route.template;
      call.params = Object.fromEntries(route.keys.map((k, i) => [k, match[i + 1] ?? '']));
      if (route.auth && authorization !== `Bot ${this.deps.token}`) return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
      return route.handler(call.params, call.body, call.query);
    }
    return { status: 404, body: { message: `404: Not Found (the fake Discord has no route for ${call.method} ${call.path})`, code: 0 } };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not percent-encoded text: keep it as sent
  }
}

async function readBody(req: IncomingMessage): Promise<{ body: unknown; files: RestCall['files'] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: RestCall['files'] = [];
    let body: unknown;
    for (const [field, value] of form) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, filename: value.name, size: value.size });
      }
    }
    return { body, files };
  }
  if (type.startsWith('application/json')) return { body: JSON.parse(raw.toString('utf8')), files: [] };
  return { body: raw.toString('utf8'), files: [] };
}
