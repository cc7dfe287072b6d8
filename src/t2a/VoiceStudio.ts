/**
 * A small HTTP client for MiniMax's voices of one's own (shared/docs/minimax-t2a.md, "Voices of one's own"):
 * sample upload, cloning, design and deletion, one method per endpoint, failures as T2AError. Tolerant of the
 * variants no public page confirms: file_id as a number or a string, at the top level or under `file`;
 * trial_audio as hex or base64 or missing; demo_audio as a URL or hex; a missing base_resp on a good answer.
 */
import { T2AError, redact, scrubError, statusError } from './errors.js';

export type StudioFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string | FormData; signal: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export interface VoiceStudioOptions {
  /** The API host, e.g. https://api.minimax.io (see studioBaseUrl). */
  baseUrl: string;
  apiKey: string;
  fetch?: StudioFetch | undefined;
  /** Per request; default 60 000 (design takes seconds). */
  timeoutMs?: number | undefined;
}

export interface SampleFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

export type StudioVoiceType = 'voice_cloning' | 'voice_generation';

export interface DesignedVoice {
  voiceId: string;
  /** The preview, MP3 (empty when MiniMax sent none). */
  trialAudio: Buffer;
}

export interface ClonedVoice {
  voiceId: string;
  /** A demo of the voice: a URL (documented) or MP3 bytes (when it came as hex). */
  demoAudio?: string | Buffer;
}

/** The HTTP base of a T2A WebSocket URL: wss://api.minimax.io/ws/... -> https://api.minimax.io. */
export function studioBaseUrl(t2aUrl: string): string {
  const ws = new URL(t2aUrl);
  const scheme = ws.protocol === 'ws:' || ws.protocol === 'http:' ? 'http:' : 'https:';
  return `${scheme}//${ws.host}`;
}

type Json = Record<string, unknown>;

export class VoiceStudio {
  private readonly fetchImpl: StudioFetch;

  constructor(private readonly options: VoiceStudioOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** POST /v1/files/upload (purpose voice_clone or prompt_audio) -> the file id, as MiniMax spelled it. */
  async uploadSample(file: SampleFile, purpose: 'voice_clone' | 'prompt_audio' = 'voice_clone'): Promise<string> {
    const form = new FormData();
    form.set('purpose', purpose);
    form.set('file', new Blob([file.bytes], { type: file.contentType }), file.filename);
    const body = await this.post('/v1/files/upload', form, 'upload the voice sample');
    const nested = body['file'] as Json | undefined;
    const id = nested?.['file_id'] ?? body['file_id'];
    if ((typeof id !== 'number' && typeof id !== 'string') || id === '') {
      throw new T2AError('MiniMax accepted the sample but sent no file_id', { code: 'protocol' });
    }
    return String(id);
  }

  /** POST /v1/voice_clone; with `text` and `model` MiniMax also makes a demo. */
  async cloneVoice(request: { fileId: string; voiceId: string; text?: string; model?: string }): Promise<ClonedVoice> {
    const fileId = /^\d+$/.test(request.fileId) && Number.isSafeInteger(Number(request.fileId)) ? Number(request.fileId) : request.fileId;
    const body = await this.post('/v1/voice_clone', JSON.stringify({
      file_id: fileId, voice_id: request.voiceId,
      ...(request.text === undefined ? {} : { text: request.text }),
      ...(request.model === undefined ? {} : { model: request.model }),
    }), 'clone the voice');
    const demo = body['demo_audio'];
    const out: ClonedVoice = { voiceId: request.voiceId };
    if (typeof demo === 'string' && demo !== '') out.demoAudio = /^[0-9a-f]+$/i.test(demo) && demo.length % 2 === 0 ? Buffer.from(demo, 'hex') : demo;
    return out;
  }

  /** POST /v1/voice_design -> the new voice id and its preview audio. */
  async designVoice(request: { prompt: string; previewText: string; voiceId?: string }): Promise<DesignedVoice> {
    const body = await this.post('/v1/voice_design', JSON.stringify({
      prompt: request.prompt, preview_text: request.previewText,
      ...(request.voiceId === undefined ? {} : { voice_id: request.voiceId }),
    }), 'design the voice');
    const voiceId = body['voice_id'] ?? request.voiceId;
    if (typeof voiceId !== 'string' || voiceId === '') throw new T2AError('MiniMax designed a voice but sent no voice_id', { code: 'protocol' });
    return { voiceId, trialAudio: decodeAudio(body['trial_audio']) };
  }

  /**
   * POST /v1/delete_voice. Resolves `false` when MiniMax no longer has the voice (2054 / 20132: it expired or
   * was deleted already), `true` when it deleted it.
   */
  async deleteVoice(voiceType: StudioVoiceType, voiceId: string): Promise<boolean> {
    try {
      await this.post('/v1/delete_voice', JSON.stringify({ voice_type: voiceType, voice_id: voiceId }), 'delete the voice');
      return true;
    } catch (error) {
      if (error instanceof T2AError && (error.code === 2054 || error.code === 20132)) return false;
      throw error;
    }
  }

  private async post(path: string, body: string | FormData, what: string): Promise<Json> {
    const { apiKey } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}` };
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    let parsed: unknown;
    try {
      const response = await this.fetchImpl(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, { method: 'POST', headers, body, signal });
      if (response.status === 401 || response.status === 403) throw new T2AError(`MiniMax rejected the API key (HTTP ${response.status})`, { code: 'auth' });
      if (!response.ok) {
        throw new T2AError(`MiniMax could not ${what} (HTTP ${response.status})`, { code: 'closed', retryable: response.status >= 500 || response.status === 429 });
      }
      parsed = await response.json();
    } catch (error) {
      if (error instanceof T2AError) throw error;
      if (signal.aborted) throw new T2AError(`MiniMax did not ${what} within ${timeoutMs} ms`, { code: 'timeout', cause: error });
      const text = redact(error instanceof Error ? error.message : String(error), apiKey);
      throw new T2AError(`could not ${what}: ${text}`, { code: 'closed', cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null) throw new T2AError(`MiniMax answered with something other than JSON when asked to ${what}`, { code: 'protocol' });
    const json = parsed as Json;
    const base = json['base_resp'] as { status_code?: unknown; status_msg?: unknown } | undefined;
    if (base && typeof base.status_code === 'number' && base.status_code !== 0) {
      throw scrubError(statusError(base.status_code, typeof base.status_msg === 'string' ? base.status_msg : undefined), apiKey);
    }
    return json;
  }
}

/** Audio sent as hex (documented) or base64 (tolerated); empty when missing. */
function decodeAudio(value: unknown): Buffer {
  if (typeof value !== 'string' || value === '') return Buffer.alloc(0);
  if (/^[0-9a-f]+$/i.test(value) && value.length % 2 === 0) return Buffer.from(value, 'hex');
  return Buffer.from(value, 'base64');
}
