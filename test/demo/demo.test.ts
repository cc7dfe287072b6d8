/**
 * The demo in a real browser: Debian's Chromium (headless, through playwright-core) opens the playground's page,
 * a member writes in #general, and the page receives and plays what the voice channel heard, as long as what the
 * fake MiniMax made. Saves a screenshot of the page under test-results/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPlayground, type Playground } from '../../demo/playground.js';
import { startDemoServer, type DemoServer } from '../../demo/web.js';
import { createLogger } from '../../src/log.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];
const SCREENSHOT = resolve('test-results', 'demo-page.png');

interface PageAudio { receivedMs: number; voiceMs: number; playedMs: number; chunks: number; listening: boolean; ready?: boolean }

let pg: Playground;
let server: DemoServer;
let browser: Browser;
let page: Page;
const logs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  // The tone: every frame of it is sound, so its length is exact to compare (espeak-ng's pauses become Opus
  // silence frames, which the fake does not count as voice). The fake's espeak-ng speech has its own test.
  pg = await startPlayground({ speech: 'tone', logger: createLogger({ level: 'warn', write: (l) => logs.push(l), secrets: [] }) });
  server = await startDemoServer(pg);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
  page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await pg?.close();
});

const pageAudio = (): Promise<PageAudio> => page.evaluate(() => (globalThis as unknown as { parrotDemo: PageAudio }).parrotDemo);

describe('npm run demo, in Chromium', () => {
  test('a member writes in #general: the page hears the whole reading, as long as MiniMax made it, and plays it', async () => {
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as { parrotDemo: PageAudio }).parrotDemo.ready === true, undefined, { timeout: 10_000 });
    await page.click('#listen');
    await page.waitForFunction(() => (globalThis as unknown as { parrotDemo: PageAudio }).parrotDemo.listening, undefined, { timeout: 5_000 });

    const from = pg.discord.audio.frames.length;
    await page.selectOption('#member', 'carol');
    await page.fill('#text', 'The parrot reads this message aloud.');
    await page.press('#text', 'Enter');

    // The bot read it: MiniMax got it, the voice channel heard it to its end.
    await pg.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 20_000 });
    const heard = await pg.discord.audio.waitForSilence({ quietMs: 600, timeoutMs: 30_000 });
    const spoken = pg.minimax?.spoken ?? [];
    expect(spoken).toHaveLength(1);
    expect(spoken[0]?.text).toContain('The parrot reads this message aloud.');
    const madeMs = spoken[0]?.durationMs ?? 0;
    expect(pg.discord.audio.frames.length).toBeGreaterThan(from);
    // The voice channel heard what MiniMax made (20 ms frames; the MP3 decoder's edges).
    expect(Math.abs(heard.voiceMs - madeMs)).toBeLessThanOrEqual(100);

    // The page received all of it, and played it.
    await page.waitForFunction((ms) => (globalThis as unknown as { parrotDemo: PageAudio }).parrotDemo.receivedMs >= ms, 20 * heard.frames - 1, { timeout: 10_000 });
    await page.waitForFunction(
      () => { const d = (globalThis as unknown as { parrotDemo: PageAudio }).parrotDemo; return d.playedMs >= d.receivedMs; }, undefined, { timeout: 20_000 });
    const got = await pageAudio();
    expect(Math.abs(got.voiceMs - madeMs)).toBeLessThanOrEqual(100);
    expect(got.voiceMs).toBeCloseTo(heard.voiceMs, 0);
    // Every frame reached the page, the silence frames too (the bot's 5 when it stops, any underrun).
    expect(got.receivedMs).toBeCloseTo(20 * heard.frames, 0);
    expect(got.playedMs).toBeCloseTo(got.receivedMs, 0);

    // The chat shows the message; the sidebar the empty queue.
    await expect.poll(() => page.textContent('#feed')).toContain('carol');
    expect(await page.textContent('#feed')).toContain('The parrot reads this message aloud.');
    expect(await page.textContent('#queue')).toBe('queue: empty');
    await expect.poll(() => page.textContent('#speech')).toBe('speech by the fake MiniMax, a tone');

    await mkdir(resolve('test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    console.log(`demo page screenshot: ${SCREENSHOT} (speech: ${spoken[0]?.speech}, ${Math.round(madeMs)} ms made, ${Math.round(got.receivedMs)} ms received)`);
    expect(logs.filter((l) => / ERROR /.test(l))).toEqual([]);
  }, 90_000);

  test('/speak and /skip from the page: the bot answers privately, the skip cuts the reading short', async () => {
    const before = (await pageAudio()).voiceMs;
    const spokenBefore = pg.minimax?.spoken.length ?? 0;
    await page.selectOption('#member', 'bob');
    await page.fill('#text', `/speak ${'This is a long text that goes on and on so that there is time to skip it. '.repeat(3)}`);
    await page.press('#text', 'Enter');
    await pg.discord.audio.waitForAudio({ minMs: 500, from: pg.discord.now(), timeoutMs: 20_000 });
    await page.fill('#text', '/skip');
    await page.press('#text', 'Enter');
    await expect.poll(() => page.textContent('#feed'), { timeout: 10_000 }).toMatch(/only bob can see this/);
    await pg.discord.audio.waitForSilence({ quietMs: 600, timeoutMs: 30_000 });
    const made = (pg.minimax?.spoken ?? []).slice(spokenBefore).reduce((n, u) => n + u.durationMs, 0);
    await expect.poll(async () => (await pageAudio()).voiceMs - before, { timeout: 10_000 }).toBeGreaterThan(300);
    expect((await pageAudio()).voiceMs - before).toBeLessThan(made - 1000);
  }, 90_000);

  test('the page server answers this machine only, and says what a bad /say lacks', async () => {
    const spoken = pg.minimax?.spoken.length ?? 0;
    expect(await post({ member: 'mallory', text: 'hi' })).toEqual({ status: 400, body: 'member must be one of alice, bob, carol' });
    expect(await post({ member: 'alice', text: '   ' })).toEqual({ status: 400, body: 'text must be 1 to 2000 characters' });
    expect((await post({ member: 'alice', text: 'hi' }, { Host: 'parrot.example.com' })).status).toBe(403);
    expect((await post({ member: 'alice', text: 'hi' }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect(pg.minimax?.spoken.length ?? 0).toBe(spoken);
  });
});

/** POST /say with `body`, over a plain socket so that Host and Origin can be set. */
function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL('say', server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, timeout: 5_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('POST /say timed out')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
