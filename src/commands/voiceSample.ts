/**
 * Checks of a voice sample before anything is sent to MiniMax (shared/docs/minimax-t2a.md: mp3, m4a or wav,
 * 10 s to 5 min, at most 20 MB): the format by extension and content type, the size, and the duration (WAV
 * from its header, MP3 from its frames; M4A is left to MiniMax, which answers 2037 for a wrong length).
 */
import { Mp3Length } from '../cli/Mp3Length.js';

export const SAMPLE_MAX_BYTES = 20 * 1024 * 1024;
export const SAMPLE_MIN_MS = 10_000;
export const SAMPLE_MAX_MS = 300_000;

export type SampleFormat = 'mp3' | 'm4a' | 'wav';

const TYPES: Record<SampleFormat, readonly string[]> = {
  mp3: ['audio/mpeg', 'audio/mp3'],
  m4a: ['audio/mp4', 'audio/x-m4a', 'audio/m4a', 'audio/aac'],
  wav: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
};

/** The sample's format when its extension names one and its content type (if any) agrees; else null. */
export function sampleFormat(name: string, contentType: string | null | undefined): SampleFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const format = ext === 'mp3' || ext === 'm4a' || ext === 'wav' ? ext : null;
  if (!format) return null;
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && !TYPES[format].includes(type)) return null;
  return format;
}

/** What is wrong with the attachment before downloading it (format, size); null when it may be fetched. */
export function attachmentProblem(name: string, size: number, contentType: string | null | undefined): string | null {
  if (!sampleFormat(name, contentType)) {
    return `The sample must be an MP3, M4A or WAV recording (got "${name.slice(0, 80)}"${contentType ? `, ${contentType.slice(0, 40)}` : ''}). Export or convert it to one of those and try again.`;
  }
  if (size > SAMPLE_MAX_BYTES) return `The sample is ${(size / 1024 / 1024).toFixed(1)} MB; it must be at most 20 MB. Send a shorter or more compressed recording (MP3 works well).`;
  if (size === 0) return 'The sample is empty. Attach a recording of your voice, 10 seconds to 5 minutes long.';
  return null;
}

/** Duration in ms of a WAV (header) or MP3 (frames); undefined when it cannot be measured here. */
export function measureSample(format: SampleFormat, bytes: Buffer): number | undefined {
  if (format === 'wav') return wavDurationMs(bytes);
  if (format === 'mp3') {
    const length = new Mp3Length();
    length.push(bytes);
    return length.frames > 0 ? Math.round(length.durationMs) : undefined;
  }
  return undefined;
}

/** What is wrong with the sample's duration; null when it is 10 s to 5 min (or could not be measured). */
export function durationProblem(format: SampleFormat, durationMs: number | undefined): string | null {
  if (durationMs === undefined) {
    return format === 'm4a' ? null : `I could not read that ${format.toUpperCase()} file: it looks damaged. Export the recording again and retry.`;
  }
  const seconds = (durationMs / 1000).toFixed(1);
  if (durationMs < SAMPLE_MIN_MS) return `The sample is ${seconds} s long; it must be at least 10 seconds. Record a little more of your voice and try again.`;
  if (durationMs > SAMPLE_MAX_MS) return `The sample is ${seconds} s long; it must be at most 5 minutes. Cut it shorter and try again.`;
  return null;
}

function wavDurationMs(bytes: Buffer): number | undefined {
  if (bytes.length < 44 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 20 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate > 0 ? Math.round((Math.min(size, bytes.length - offset - 8) / byteRate) * 1000) : undefined;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Downloads the attachment (at most `maxBytes`, within `timeoutMs`); rejects with a message for the member. */
export async function downloadSample(url: string, maxBytes = SAMPLE_MAX_BYTES, timeoutMs = 20_000): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new Error('I could not download the sample from Discord. Try again in a moment.');
  }
  if (!response.ok || !response.body) throw new Error(`Discord did not give me the sample (HTTP ${response.status}). Attach it again.`);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += (chunk as Uint8Array).length;
      if (total > maxBytes) break;
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
  } catch {
    throw new Error('The download of the sample from Discord broke off. Try again in a moment.');
  }
  if (total > maxBytes) throw new Error('The sample is larger than 20 MB; send a shorter or more compressed recording.');
  return Buffer.concat(chunks);
}
