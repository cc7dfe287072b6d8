/**
 * The fake MiniMax's voice studio: sample upload, voice cloning, voice design and deletion over HTTP, as
 * shared/docs/minimax-t2a.md ("Voices of one's own") describes them. Cloned and designed voices appear in
 * get_voice only after their first use in T2A; a voice unused for its expiry time disappears (the fake's clock
 * is settable), and T2A with it then fails with 2054 (or 20132). Injected status codes play the documented
 * errors the fake cannot provoke by itself (1043/1044 similarity checks, 2038 no cloning permission, 2042).
 */
import { randomBytes } from 'node:crypto';
import { mp3DurationMs } from '../mp3.js';

export type StudioVoiceType = 'voice_cloning' | 'voice_generation';

export interface StudioVoice {
  voiceId: string;
  type: StudioVoiceType;
  createdAt: number;
  /** First and last use in T2A (undefined: never used, not yet listed by get_voice). */
  firstUsedAt?: number;
  lastUsedAt?: number;
  description: string;
}

export interface StudioFile {
  fileId: number;
  filename: string;
  contentType: string;
  bytes: number;
  durationMs: number | undefined;
  purpose: string;
}

/** Settings of the studio, changeable while the fake runs (FakeMiniMax.studio.options). */
export interface StudioOptions {
  /** The fake's clock (ms since the epoch); default Date.now. Tests move it to play expiry. */
  now: () => number;
  /** A cloned voice unused in T2A this long disappears (MiniMax: 168 h). */
  cloneExpiryMs: number;
  /** A designed voice unused this long disappears (thin: 7 days). */
  designExpiryMs: number;
  /** The status T2A answers for a voice that expired or was deleted: 2054 (default) or 20132. */
  goneVoiceCode: 2054 | 20132;
  /**
   * The answers' shape: 'documented' (default), or 'variant' for what no public page rules out: file_id as a
   * string at the top level, trial_audio in base64, demo_audio as hex, and no base_resp on success.
   */
  shape: 'documented' | 'variant';
  /** The next answers of an endpoint carry this status (each firing decrements `times`). */
  faults: Partial<Record<'upload' | 'clone' | 'design' | 'delete', { code: number; times: number; msg?: string }>>;
}

export interface StudioRequest {
  path: string;
  authorization: string | undefined;
  /** JSON body, or for uploads the form fields (the file summarized). */
  body: unknown;
}

const DAY = 24 * 3600_000;

export function defaultStudioOptions(): StudioOptions {
  return { now: () => Date.now(), cloneExpiryMs: 7 * DAY, designExpiryMs: 7 * DAY, goneVoiceCode: 2054, shape: 'documented', faults: {} };
}

type Base = { status_code: number; status_msg: string };
export type StudioAnswer = Record<string, unknown> & { base_resp: Base };

const ok = (extra: Record<string, unknown> = {}): StudioAnswer => ({ ...extra, base_resp: { status_code: 0, status_msg: 'success' } });
const fail = (code: number, msg: string): StudioAnswer => ({ base_resp: { status_code: code, status_msg: msg } });

export class FakeStudio {
  readonly options: StudioOptions = defaultStudioOptions();
  readonly files = new Map<number, StudioFile>();
  readonly voices = new Map<string, StudioVoice>();
  /** Voices that existed and are gone (expired or deleted): T2A refuses them. */
  readonly gone = new Set<string>();
  readonly requests: StudioRequest[] = [];
  /** Money MiniMax would charge: one entry per voice, when it is charged (design: at once; clone: first use). */
  readonly charges: { voiceId: string; type: StudioVoiceType; usd: number }[] = [];
  private nextFile = 300_000_000_000;

  private fault(name: keyof StudioOptions['faults']): StudioAnswer | undefined {
    const f = this.options.faults[name];
    if (!f || f.times <= 0) return undefined;
    f.times -= 1;
    return fail(f.code, f.msg ?? 'injected failure');
  }

  /** Removes voices unused past their expiry (called before every answer that depends on them). */
  expire(): void {
    const now = this.options.now();
    for (const v of this.voices.values()) {
      const ttl = v.type === 'voice_cloning' ? this.options.cloneExpiryMs : this.options.designExpiryMs;
      if (now - (v.lastUsedAt ?? v.createdAt) >= ttl) {
        this.voices.delete(v.voiceId);
        this.gone.add(v.voiceId);
      }
    }
  }

  /** POST /v1/files/upload (multipart): the form as parsed by the server. */
  async upload(form: FormData): Promise<StudioAnswer> {
    const injected = this.fault('upload');
    if (injected) return injected;
    const purpose = form.get('purpose');
    const file = form.get('file');
    if (typeof purpose !== 'string' || !['voice_clone', 'prompt_audio'].includes(purpose)) return fail(2013, 'invalid params, purpose');
    if (file === null || typeof file === 'string') return fail(2013, 'invalid params, file');
    const bytes = Buffer.from(await file.arrayBuffer());
    const fileId = this.addFile(file.name, file.type, bytes, purpose);
    if (this.options.shape === 'variant') return { file_id: String(fileId) } as unknown as StudioAnswer;
    return ok({ file: { file_id: fileId, bytes: file.size, created_at: Math.floor(this.options.now() / 1000), filename: file.name, purpose } });
  }

  /** Keeps the file's summary and measured duration (mp3 and wav; other formats unmeasured). */
  addFile(name: string, type: string, bytes: Buffer, purpose: string): number {
    const fileId = this.nextFile++;
    this.files.set(fileId, { fileId, filename: name, contentType: type, bytes: bytes.length, durationMs: measure(name, bytes), purpose });
    return fileId;
  }

  /** POST /v1/voice_clone. */
  clone(body: Record<string, unknown>): StudioAnswer {
    const injected = this.fault('clone');
    if (injected) return injected;
    this.expire();
    const fileId = Number(body['file_id']);
    const voiceId = body['voice_id'];
    const file = this.files.get(fileId);
    if (!file || file.purpose !== 'voice_clone') return fail(2013, 'invalid params, file_id');
    if (typeof voiceId !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{6,254}[A-Za-z0-9]$/.test(voiceId)) return fail(2013, 'invalid params, voice_id');
    if (this.voices.has(voiceId) || this.gone.has(voiceId)) return fail(2039, 'voice_id duplicate');
    if (file.durationMs !== undefined && (file.durationMs < 10_000 || file.durationMs > 300_000)) return fail(2037, 'voice clone sample duration error');
    const prompt = body['clone_prompt'] as { prompt_audio?: unknown } | undefined;
    const promptFile = prompt?.prompt_audio === undefined ? undefined : this.files.get(Number(prompt.prompt_audio));
    if (promptFile?.durationMs !== undefined && promptFile.durationMs >= 8_000) return fail(2048, 'prompt audio too long');
    this.voices.set(voiceId, { voiceId, type: 'voice_cloning', createdAt: this.options.now(), description: file.filename });
    const demo = typeof body['text'] === 'string' && typeof body['model'] === 'string';
    return ok(demo ? { demo_audio: `/v1/fake_demo/${encodeURIComponent(voiceId)}.mp3`, input_sensitive: false } : { input_sensitive: false });
  }

  /** POST /v1/voice_design; the caller adds trial_audio (hex of real MP3 of the preview text). */
  design(body: Record<string, unknown>): StudioAnswer | { voiceId: string; previewText: string } {
    const injected = this.fault('design');
    if (injected) return injected;
    const prompt = body['prompt'];
    const preview = body['preview_text'];
    if (typeof prompt !== 'string' || prompt.trim() === '') return fail(2013, 'invalid params, prompt');
    if (typeof preview !== 'string' || preview.trim() === '' || [...preview].length > 500) return fail(2013, 'invalid params, preview_text');
    this.expire();
    const asked = body['voice_id'];
    if (typeof asked === 'string' && (this.voices.has(asked) || this.gone.has(asked))) return fail(2039, 'voice_id duplicate');
    const voiceId = typeof asked === 'string' && asked !== '' ? asked : `ttv-voice-${this.options.now()}-${randomBytes(4).toString('hex')}`;
    this.voices.set(voiceId, { voiceId, type: 'voice_generation', createdAt: this.options.now(), description: prompt });
    this.charges.push({ voiceId, type: 'voice_generation', usd: 3 });
    return { voiceId, previewText: preview };
  }

  /** POST /v1/delete_voice. */
  delete(body: Record<string, unknown>): StudioAnswer {
    const injected = this.fault('delete');
    if (injected) return injected;
    this.expire();
    const type = body['voice_type'];
    const voiceId = body['voice_id'];
    if (type !== 'voice_cloning' && type !== 'voice_generation') return fail(2013, 'invalid params, voice_type');
    const voice = typeof voiceId === 'string' ? this.voices.get(voiceId) : undefined;
    if (!voice || voice.type !== type) return fail(2054, 'voice id not exist');
    this.voices.delete(voice.voiceId);
    this.gone.add(voice.voiceId);
    return ok({ voice_id: voice.voiceId, created_time: new Date(voice.createdAt).toISOString().slice(0, 10) });
  }

  /**
   * A T2A task_start with `voiceId`: a status code when the voice is gone, else undefined (and the voice
   * counts as used: it is listed from now on, and a clone is charged at its first use).
   */
  useInT2A(voiceId: string): [number, string] | undefined {
    this.expire();
    if (this.gone.has(voiceId)) return [this.options.goneVoiceCode, 'voice id not exist'];
    const voice = this.voices.get(voiceId);
    if (!voice) return undefined;
    const now = this.options.now();
    if (voice.firstUsedAt === undefined) {
      voice.firstUsedAt = now;
      if (voice.type === 'voice_cloning') this.charges.push({ voiceId, type: 'voice_cloning', usd: 3 });
    }
    voice.lastUsedAt = now;
    return undefined;
  }

  /** The get_voice lists of one type: only voices used at least once. */
  listed(type: StudioVoiceType): { voice_id: string; description: string[]; created_time: string }[] {
    this.expire();
    return [...this.voices.values()]
      .filter((v) => v.type === type && v.firstUsedAt !== undefined)
      .map((v) => ({ voice_id: v.voiceId, description: [v.description], created_time: new Date(v.createdAt).toISOString().slice(0, 10) }));
  }
}

/** Duration of an MP3 (frame walk) or WAV (header) sample; undefined for other formats. */
export function measure(name: string, bytes: Buffer): number | undefined {
  if (bytes.length >= 44 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WAVE') {
    const byteRate = bytes.readUInt32LE(28);
    let offset = 12;
    while (offset + 8 <= bytes.length) {
      const id = bytes.toString('latin1', offset, offset + 4);
      const size = bytes.readUInt32LE(offset + 4);
      if (id === 'data') return byteRate > 0 ? Math.round((Math.min(size, bytes.length - offset - 8) / byteRate) * 1000) : undefined;
      offset += 8 + size + (size % 2);
    }
    return undefined;
  }
  if (/\.mp3$/i.test(name) || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) || bytes.toString('latin1', 0, 3) === 'ID3') {
    const ms = mp3DurationMs(bytes);
    return ms > 0 ? ms : undefined;
  }
  return undefined;
}
