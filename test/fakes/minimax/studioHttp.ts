/**
 * HTTP routes of the fake's voice studio (studio.ts): parses JSON or multipart bodies as MiniMax would
 * receive them and answers with the studio's result; design previews are real MP3 sent as hex.
 */
import type { FakeStudio } from './studio.js';

export const STUDIO_PATHS = ['/v1/files/upload', '/v1/voice_clone', '/v1/voice_design', '/v1/delete_voice'] as const;

/** MP3 of `text` (the fake's spoken words or its tone). */
export type PreviewAudio = (text: string, voiceId: string) => Promise<Buffer>;

export function isStudioPath(path: string): boolean {
  return (STUDIO_PATHS as readonly string[]).includes(path) || path.startsWith('/v1/fake_demo/');
}

/** The answer (status, JSON or MP3 bytes) to a studio request whose key was already checked. */
export async function studioAnswer(
  studio: FakeStudio, path: string, contentType: string, raw: Buffer, authorization: string | undefined, preview: PreviewAudio,
): Promise<{ status: number; json?: unknown; mp3?: Buffer }> {
  if (path.startsWith('/v1/fake_demo/')) {
    const voiceId = decodeURIComponent(path.slice('/v1/fake_demo/'.length).replace(/\.mp3$/, ''));
    if (!studio.voices.has(voiceId)) return { status: 404, json: { error: 'not found' } };
    return { status: 200, mp3: await preview('This is a demo of the cloned voice.', voiceId) };
  }
  if (path === '/v1/files/upload') {
    let form: FormData;
    try {
      form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    } catch {
      studio.requests.push({ path, authorization, body: undefined });
      return { status: 200, json: { base_resp: { status_code: 2013, status_msg: 'invalid params, multipart body' } } };
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of form.entries()) fields[k] = typeof v === 'string' ? v : { filename: v.name, type: v.type, size: v.size };
    studio.requests.push({ path, authorization, body: fields });
    return { status: 200, json: await studio.upload(form) };
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  studio.requests.push({ path, authorization, body });
  if (!body) return { status: 200, json: { base_resp: { status_code: 2013, status_msg: 'invalid params, body is not JSON' } } };
  if (path === '/v1/voice_clone') {
    const answer = studio.clone(body);
    const demo = answer['demo_audio'];
    if (studio.options.shape === 'variant' && answer.base_resp.status_code === 0 && typeof demo === 'string') {
      const voiceId = String(body['voice_id']);
      return { status: 200, json: { demo_audio: (await preview('This is a demo of the cloned voice.', voiceId)).toString('hex') } };
    }
    return { status: 200, json: answer };
  }
  if (path === '/v1/delete_voice') return { status: 200, json: studio.delete(body) };
  const designed = studio.design(body);
  if ('base_resp' in designed) return { status: 200, json: designed };
  const mp3 = await preview(designed.previewText, designed.voiceId);
  if (studio.options.shape === 'variant') return { status: 200, json: { voice_id: designed.voiceId, trial_audio: mp3.toString('base64') } };
  return { status: 200, json: { voice_id: designed.voiceId, trial_audio: mp3.toString('hex'), base_resp: { status_code: 0, status_msg: 'success' } } };
}
