/**
 * The playground's page on 127.0.0.1: GET / (the page, its script inline), GET /events (server-sent events: the chat,
 * the bot's state, and what the voice channel hears as base64 PCM), POST /say ({ member, text }).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_SAMPLE_RATE, type HeardAudio } from './listener.js';
import { COMMANDS, MEMBERS, TEXT_CHANNEL, VOICE_CHANNEL, type FeedEntry, type Playground, type PlaygroundState } from './playground.js';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
};
const MAX_BODY = 16 * 1024;
const MAX_TEXT = 2000;

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the page for `pg` on 127.0.0.1:`port` (0: any free port). */
export async function startDemoServer(pg: Playground, port = 0): Promise<DemoServer> {
  const clients = new Set<ServerResponse>();
  const send = (event: string, data: unknown): void => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of clients) res.write(frame);
  };
  const onFeed = (entry: FeedEntry): void => send('feed', entry);
  const onState = (state: PlaygroundState): void => send('state', state);
  const onAudio = (audio: HeardAudio): void => send('audio', { pcm: audio.pcm.toString('base64'), ms: audio.ms, silence: audio.silence });
  pg.on('feed', onFeed);
  pg.on('state', onState);
  pg.on('audio', onAudio);

  let origin = '';
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) text(res, 500, `demo server error: ${error instanceof Error ? error.message : String(error)}`);
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only this machine's browser: a page elsewhere naming this host (DNS rebinding) gets nothing.
    const host = req.headers.host ?? '';
    if (!isLocalHost(host)) return text(res, 403, 'the demo answers on 127.0.0.1 and localhost only');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const asset = STATIC[path];
    if (req.method === 'GET' && asset) {
      const body = await readFile(join(PAGE_DIR, asset.file));
      res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`event: hello\ndata: ${JSON.stringify({
        members: MEMBERS, textChannel: TEXT_CHANNEL, voiceChannel: VOICE_CHANNEL, commands: Object.keys(COMMANDS),
        sampleRate: PAGE_SAMPLE_RATE, history: pg.history, state: pg.state(), minimax: pg.minimax ? 'fake' : 'MiniMax',
      })}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.method === 'POST' && path === '/say') return say(req, res);
    text(res, 404, 'not found');
  };
  const say = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.origin !== undefined && req.headers.origin !== origin && !isLocalOrigin(req.headers.origin)) return text(res, 403, 'cross-origin request refused');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      return text(res, 400, `send JSON { "member": "alice", "text": "..." } (${error instanceof Error ? error.message : String(error)})`);
    }
    const { member, text: said } = (body ?? {}) as { member?: unknown; text?: unknown };
    if (typeof member !== 'string' || !(MEMBERS as readonly string[]).includes(member)) return text(res, 400, `member must be one of ${MEMBERS.join(', ')}`);
    if (typeof said !== 'string' || said.trim() === '' || said.length > MAX_TEXT) return text(res, 400, `text must be 1 to ${MAX_TEXT} characters`);
    pg.say(member, said);
    text(res, 204, '');
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  origin = `http://127.0.0.1:${bound}`;
  return {
    url: `${origin}/`,
    async close() {
      pg.off('feed', onFeed);
      pg.off('state', onState);
      pg.off('audio', onAudio);
      for (const res of clients) res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isLocalHost(host: string): boolean {
  return /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host);
}

function isLocalOrigin(origin: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
