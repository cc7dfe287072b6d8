/**
 * The voices users can pick: the built-in list, refreshed from MiniMax's get_voice API, searchable for
 * Discord autocomplete (at most 25 choices).
 */
import { T2AError, redact, scrubError, statusError } from './errors.js';
import { BUILT_IN_VOICES, languageOfVoiceId, type VoiceInfo, type VoiceSource } from './voiceList.js';

/** Discord shows at most 25 autocomplete choices. */
export const MAX_CHOICES = 25;

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export interface FetchVoicesOptions {
  /** The get_voice URL (see getVoiceUrl). */
  url: string;
  apiKey: string;
  voiceType?: 'system' | 'voice_cloning' | 'voice_generation' | 'all';
  fetch?: FetchLike | undefined;
  signal?: AbortSignal | undefined;
  /** Default 10_000. */
  timeoutMs?: number | undefined;
}

const LISTS: [field: string, source: VoiceSource][] = [
  ['system_voice', 'system'],
  ['voice_cloning', 'voice_cloning'],
  ['voice_generation', 'voice_generation'],
];

/** POST {host}/v1/get_voice; rejects with a T2AError (auth, status code, timeout, protocol). */
export async function fetchVoices(options: FetchVoicesOptions): Promise<VoiceInfo[]> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Awaited<ReturnType<FetchLike>>;
  let body: unknown;
  try {
    response = await fetchImpl(options.url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ voice_type: options.voiceType ?? 'system' }),
      signal,
    });
    if (response.status === 401 || response.status === 403) {
      throw new T2AError(`MiniMax rejected the API key when listing voices (HTTP ${response.status})`, { code: 'auth' });
    }
    if (!response.ok) {
      throw new T2AError(`MiniMax could not list voices (HTTP ${response.status})`, {
        code: 'closed',
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof T2AError) throw error;
    if (options.signal?.aborted) throw new T2AError('listing voices was cancelled', { code: 'aborted', cause: error });
    if (timeout.aborted) throw new T2AError(`MiniMax did not list voices within ${timeoutMs} ms`, { code: 'timeout', cause: error });
    const text = redact(error instanceof Error ? error.message : String(error), options.apiKey);
    throw new T2AError(`could not list MiniMax voices: ${text}`, { code: 'closed', cause: error });
  }
  try {
    return parseVoiceList(body);
  } catch (error) {
    throw error instanceof T2AError ? scrubError(error, options.apiKey) : error;
  }
}

/** Parses a get_voice answer into VoiceInfo entries; a non-zero base_resp becomes its status error. */
export function parseVoiceList(body: unknown): VoiceInfo[] {
  if (typeof body !== 'object' || body === null) throw new T2AError('get_voice answered with something other than JSON', { code: 'protocol' });
  const b = body as Record<string, unknown>;
  const base = b['base_resp'] as { status_code?: unknown; status_msg?: unknown } | undefined;
  if (base && typeof base.status_code === 'number' && base.status_code !== 0) {
    throw statusError(base.status_code, typeof base.status_msg === 'string' ? base.status_msg : undefined);
  }
  const out: VoiceInfo[] = [];
  for (const [field, source] of LISTS) {
    const list = b[field];
    if (!Array.isArray(list)) continue;
    for (const item of list as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const v = item as Record<string, unknown>;
      const id = v['voice_id'];
      if (typeof id !== 'string' || id === '') continue;
      const name = typeof v['voice_name'] === 'string' && v['voice_name'] !== '' ? v['voice_name'] : id;
      const entry: VoiceInfo = { voiceId: id, name, language: languageOfVoiceId(id), source };
      const description = v['description'];
      if (Array.isArray(description) && description.length > 0) entry.description = description.map(String).join(' ');
      out.push(entry);
    }
  }
  return out;
}

export type RefreshResult = { ok: true; count: number; added: number } | { ok: false; error: T2AError };

export interface VoiceCatalogueOptions {
  /** Starting list; default BUILT_IN_VOICES. */
  voices?: readonly VoiceInfo[] | undefined;
  /** get_voice URL (see getVoiceUrl) and key for refresh(); without them refresh() reports an error. */
  url?: string | undefined;
  apiKey?: string | undefined;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
}

export class VoiceCatalogue {
  private readonly voices = new Map<string, VoiceInfo>();

  constructor(private readonly options: VoiceCatalogueOptions = {}) {
    for (const v of options.voices ?? BUILT_IN_VOICES) this.voices.set(v.voiceId, v);
  }

  get size(): number {
    return this.voices.size;
  }

  list(): VoiceInfo[] {
    return [...this.voices.values()];
  }

  /** Exact id first, then a case-insensitive match (the entry carries the canonical id). */
  get(voiceId: string): VoiceInfo | undefined {
    const exact = this.voices.get(voiceId);
    if (exact) return exact;
    const lower = voiceId.toLowerCase();
    for (const v of this.voices.values()) if (v.voiceId.toLowerCase() === lower) return v;
    return undefined;
  }

  /**
   * Case-insensitive substring match over id and name; exact and prefix matches first. At most
   * `limit` (capped at 25) entries; an empty filter lists the first ones.
   */
  search(filter: string, limit = MAX_CHOICES): VoiceInfo[] {
    const max = Math.max(0, Math.min(limit, MAX_CHOICES));
    const q = filter.trim().toLowerCase();
    const scored: [number, VoiceInfo][] = [];
    for (const v of this.voices.values()) {
      const id = v.voiceId.toLowerCase();
      const name = v.name.toLowerCase();
      let score: number;
      if (q === '') score = 3;
      else if (id === q || name === q) score = 0;
      else if (id.startsWith(q) || name.startsWith(q)) score = 1;
      else if (id.includes(q) || name.includes(q)) score = 2;
      else continue;
      scored.push([score, v]);
    }
    // Array.prototype.sort is stable: ties keep catalogue order.
    return scored.sort((a, b) => a[0] - b[0]).slice(0, max).map(([, v]) => v);
  }

  /** Fetches the API's list and merges it in (API names win). Errors are returned, never thrown. */
  async refresh(signal?: AbortSignal): Promise<RefreshResult> {
    const { url, apiKey } = this.options;
    if (url === undefined || apiKey === undefined) {
      return { ok: false, error: new T2AError('no get_voice URL and key to refresh voices from', { code: 'validation' }) };
    }
    try {
      const fetched = await fetchVoices({ url, apiKey, fetch: this.options.fetch, timeoutMs: this.options.timeoutMs, signal });
      let added = 0;
      for (const v of fetched) {
        if (!this.voices.has(v.voiceId)) added += 1;
        this.voices.set(v.voiceId, v);
      }
      return { ok: true, count: fetched.length, added };
    } catch (error) {
      const t2a = error instanceof T2AError ? error : new T2AError(String(error), { code: 'protocol', cause: error });
      return { ok: false, error: t2a };
    }
  }
}
