import type { Json } from './payloads.js';

/** A registered application command as Discord returns it (the body the bot sent, plus ids). */
export interface StoredCommand extends Json {
  id: string;
  name: string;
  application_id: string;
  version: string;
  guild_id?: string;
}

/** Application commands registered through REST: globally (scope 'global') or per guild id. */
export class CommandStore {
  readonly #scopes = new Map<string, StoredCommand[]>();

  constructor(private readonly applicationId: string, private readonly newId: () => string) {}

  list(scope: string): StoredCommand[] {
    return [...(this.#scopes.get(scope) ?? [])];
  }

  /** Bulk overwrite (PUT): commands keep their id when the name stays. */
  replace(scope: string, bodies: unknown[]): StoredCommand[] {
    const old = this.#scopes.get(scope) ?? [];
    const next = bodies.map((b) => this.#make(scope, b, old.find((c) => c.name === nameOf(b))?.id));
    this.#scopes.set(scope, next);
    return next;
  }

  /** Create (POST): replaces a command with the same name. */
  upsert(scope: string, body: unknown): StoredCommand {
    const list = this.#scopes.get(scope) ?? [];
    const existing = list.find((c) => c.name === nameOf(body));
    const made = this.#make(scope, body, existing?.id);
    this.#scopes.set(scope, [...list.filter((c) => c !== existing), made]);
    return made;
  }

  patch(scope: string, id: string, body: unknown): StoredCommand | undefined {
    const list = this.#scopes.get(scope) ?? [];
    const existing = list.find((c) => c.id === id);
    if (!existing) return undefined;
    const made = this.#make(scope, { ...existing, ...(body as Json) }, id);
    this.#scopes.set(scope, list.map((c) => (c === existing ? made : c)));
    return made;
  }

  remove(scope: string, id: string): boolean {
    const list = this.#scopes.get(scope) ?? [];
    this.#scopes.set(scope, list.filter((c) => c.id !== id));
    return list.some((c) => c.id === id);
  }

  /** The id of a command by name: the guild's own first, then global. */
  idOf(name: string, guildId: string): string | undefined {
    return (this.#scopes.get(guildId) ?? []).find((c) => c.name === name)?.id
      ?? (this.#scopes.get('global') ?? []).find((c) => c.name === name)?.id;
  }

  #make(scope: string, body: unknown, id: string | undefined): StoredCommand {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
    return {
      type: 1, description: '', options: [], default_member_permissions: null, dm_permission: true, nsfw: false,
      integration_types: [0], contexts: null, name_localizations: null, description_localizations: null,
      ...b,
      name: nameOf(b), id: id ?? this.newId(), application_id: this.applicationId, version: this.newId(),
      ...(scope === 'global' ? {} : { guild_id: scope }),
    };
  }
}

function nameOf(body: unknown): string {
  const name = typeof body === 'object' && body !== null ? (body as Json)['name'] : undefined;
  return typeof name === 'string' ? name : '';
}
