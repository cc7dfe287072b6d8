import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { T2AError, T2ASocket, type AudioFrame } from '../../src/t2a/index.js';
import { FAST, KEY, SETTINGS, expectedAudio, startFake } from './helpers.js';

const sockets: T2ASocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    s.close();
    await s.whenSocketClosed();
  }
});

function open(url: string, timeouts: Partial<typeof FAST> = {}, apiKey = KEY): T2ASocket {
  const s = new T2ASocket({ url, apiKey, timeouts: { ...FAST, ...timeouts } });
  sockets.push(s);
  return s;
}

/** Collects audio frames until the next is_final. */
function nextText(socket: T2ASocket): Promise<AudioFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: AudioFrame[] = [];
    const onAudio = (f: AudioFrame): void => {
      frames.push(f);
      if (f.isFinal) {
        socket.off('audio', onAudio);
        socket.off('closed', onClosed);
        resolve(frames);
      }
    };
    const onClosed = (reason: T2AError | undefined): void => reject(reason ?? new Error('closed'));
    socket.on('audio', onAudio);
    socket.on('closed', onClosed);
  });
}

function closedWith(socket: T2ASocket): Promise<T2AError | undefined> {
  return new Promise((resolve) => socket.once('closed', resolve));
}

describe('T2ASocket against the fake', () => {
  test('connect sends the Bearer key and waits for connected_success; the lifecycle runs to task_finished', async () => {
    const { fake, url } = await startFake({ chunkBytes: 1000 });
    const s = open(url);
    await s.connect();
    expect(s.state).toBe('connected');
    expect(fake.connections[0]?.authorization).toBe(`Bearer ${KEY}`);
    await s.taskStart({ ...SETTINGS, voice: { voiceId: 'English_Graceful_Lady', vol: 2.5 }, pronunciation: ['Omg/Oh my god'] });
    expect(s.state).toBe('started');
    expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fake.taskStarts[0]).toMatchObject({ model: 'speech-2.8-turbo', voice_setting: { voice_id: 'English_Graceful_Lady', vol: 2.5 }, pronunciation_dict: { tone: ['Omg/Oh my god'] } });

    const frames = nextText(s);
    s.taskContinue('Hello world, this is a test.');
    expect(s.pending).toBe(1);
    const got = await frames;
    expect(got.length).toBeGreaterThan(3);
    expect(got.filter((f) => f.isFinal)).toHaveLength(1);
    expect(Buffer.concat(got.map((f) => f.audio))).toEqual(await expectedAudio(fake, 'Hello world, this is a test.'));
    expect(got.at(-1)?.extraInfo).toMatchObject({ usageCharacters: 28 });
    expect(s.pending).toBe(0);

    const closed = closedWith(s);
    await s.taskFinish();
    expect(await closed).toBeUndefined();
    expect(s.state).toBe('finished');
    await s.whenSocketClosed();
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start', 'task_continue', 'task_finish']);
    expect(fake.connections[0]?.sent.at(-1)?.event).toBe('task_finished');
  });

  test('a wrong key refused with HTTP 401 on the upgrade is an auth error (key not in the message)', async () => {
    const { fake, url } = await startFake({ badKey: 'http401' });
    const s = open(url, {}, 'sk-wrong-key-123456');
    const error = await s.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(T2AError);
    expect(error).toMatchObject({ code: 'auth', category: 'auth', retryable: false });
    expect((error as Error).message).toContain('401');
    expect((error as Error).message).not.toContain('sk-wrong-key-123456');
    expect(fake.connections[0]).toMatchObject({ accepted: false, authorization: 'Bearer sk-wrong-key-123456' });
  });

  test('a wrong key answered by task_failed 1004 at task_start is an auth error', async () => {
    const { url } = await startFake({ badKey: 'task_failed', badKeyCode: 1004 });
    const s = open(url, {}, 'sk-wrong-key-123456');
    await s.connect();
    const closed = closedWith(s);
    await expect(s.taskStart(SETTINGS)).rejects.toMatchObject({ code: 1004, category: 'auth' });
    expect(await closed).toMatchObject({ code: 1004 });
    expect(s.state).toBe('closed');
  });

  test('connected_success later than the connect deadline is a timeout', async () => {
    const { url } = await startFake({ connectedDelayMs: 2_000 });
    const s = open(url, { connect: 150 });
    await expect(s.connect()).rejects.toMatchObject({ code: 'timeout', category: 'transient', retryable: true });
  });

  test('nothing listening is a transient connection error', async () => {
    const { fake, url } = await startFake();
    await fake.close();
    const s = open(url);
    await expect(s.connect()).rejects.toMatchObject({ code: 'closed', retryable: true });
  });

  test('the first-chunk deadline fires when audio is late, and closes the connection', async () => {
    const { fake, url } = await startFake({ firstChunkMs: 1_000 });
    const s = open(url, { firstChunk: 150 });
    await s.connect();
    await s.taskStart(SETTINGS);
    const closed = closedWith(s);
    s.taskContinue('late');
    const reason = await closed;
    expect(reason).toMatchObject({ code: 'timeout' });
    expect(reason?.message).toContain('first audio');
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'server saw the close');
  });

  test('the between-chunks deadline fires when audio stalls mid-text', async () => {
    // Real-time pacing of ~4 KB chunks of 128 kbps MP3 is ~256 ms apart: longer than the deadline.
    const { url } = await startFake({ realtimeFactor: 1, chunkBytes: 4096, msPerChar: 100 });
    const s = open(url, { betweenChunks: 100 });
    await s.connect();
    await s.taskStart(SETTINGS);
    const frames: AudioFrame[] = [];
    s.on('audio', (f) => frames.push(f));
    const closed = closedWith(s);
    s.taskContinue('a text long enough for several chunks');
    const reason = await closed;
    expect(reason?.message).toContain('next audio chunk');
    expect(frames.length).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ['malformed JSON', { malformedJson: { times: 1, atChunk: 1 } }, /not JSON/],
    ['odd-length hex', { badHex: { times: 1, atChunk: 1, kind: 'odd' as const } }, /odd length/],
    ['non-hex audio', { badHex: { times: 1, atChunk: 0, kind: 'nonhex' as const } }, /not hexadecimal/],
  ])('%s from the server closes the connection with a protocol error (no throw)', async (_name, faults, message) => {
    const { url } = await startFake({ faults, chunkBytes: 500 });
    const s = open(url);
    await s.connect();
    await s.taskStart(SETTINGS);
    const closed = closedWith(s);
    s.taskContinue('some words to read');
    const reason = await closed;
    expect(reason).toMatchObject({ code: 'protocol' });
    expect(reason?.message).toMatch(message);
  });

  test('methods used out of order are refused locally', async () => {
    const { url } = await startFake();
    const s = open(url);
    expect(() => s.taskContinue('x')).toThrow(/cannot send task_continue while the connection is idle/);
    await expect(s.taskStart(SETTINGS)).rejects.toMatchObject({ category: 'client_bug' });
    await s.connect();
    await expect(s.connect()).rejects.toMatchObject({ category: 'client_bug' });
  });

  test('the server closing the socket is reported once as closed', async () => {
    const { fake, url } = await startFake({ idleCloseMs: 100 });
    const s = open(url);
    await s.connect();
    const reason = await closedWith(s);
    expect(reason).toMatchObject({ code: 2201, category: 'idle' });
    expect(fake.connections[0]?.sent.at(-1)).toMatchObject({ event: 'task_failed', statusCode: 2201 });
  });
});

describe('the fake enforces the protocol', () => {
  async function raw(url: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<void> }> {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${KEY}` } });
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse((d as Buffer).toString('utf8')) as Record<string, unknown>)); // one frame: a Buffer
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { ws, messages, closed };
  }

  test('task_continue before task_started is answered with task_failed 2202 and a close', async () => {
    const { url } = await startFake();
    const { ws, messages, closed } = await raw(url);
    ws.send(JSON.stringify({ event: 'task_continue', text: 'too early' }));
    await closed;
    expect(messages.map((m) => m['event'])).toEqual(['connected_success', 'task_failed']);
    expect(messages[1]).toMatchObject({ base_resp: { status_code: 2202 } });
    expect(messages[0]).toHaveProperty('session_id');
    expect(messages[0]).toHaveProperty('trace_id');
    expect(messages[0]).toMatchObject({ base_resp: { status_code: 0, status_msg: 'success' } });
  });

  test('task_start without a model fails with 2013', async () => {
    const { url } = await startFake();
    const { ws, messages, closed } = await raw(url);
    ws.send(JSON.stringify({ event: 'task_start', voice_setting: { voice_id: 'x' } }));
    await closed;
    expect(messages[1]).toMatchObject({ event: 'task_failed', base_resp: { status_code: 2013 } });
  });

  test('an unknown voice fails with 2054 when the fake knows its voices', async () => {
    const { url } = await startFake({ knownVoices: ['English_Graceful_Lady'] });
    const { ws, messages, closed } = await raw(url);
    ws.send(JSON.stringify({ event: 'task_start', model: 'speech-02-hd', voice_setting: { voice_id: 'Nobody' } }));
    await closed;
    expect(messages[1]).toMatchObject({ event: 'task_failed', base_resp: { status_code: 2054 } });
  });

  test('task_finish finishes the queued texts first, then task_finished and close', async () => {
    const { url } = await startFake({ firstChunkMs: 20 });
    const { ws, messages, closed } = await raw(url);
    ws.send(JSON.stringify({ event: 'task_start', model: 'speech-02-hd', voice_setting: { voice_id: 'x' } }));
    ws.send(JSON.stringify({ event: 'task_continue', text: 'one' }));
    ws.send(JSON.stringify({ event: 'task_continue', text: 'two two' }));
    ws.send(JSON.stringify({ event: 'task_finish' }));
    await closed;
    const finals = messages.filter((m) => m['is_final'] === true);
    expect(finals.map((m) => (m['extra_info'] as { usage_characters: number }).usage_characters)).toEqual([3, 7]);
    expect(messages.at(-1)).toMatchObject({ event: 'task_finished' });
  });
});
