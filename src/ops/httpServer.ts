/**
 * The operator's HTTP endpoints: GET /metrics (Prometheus text), /healthz (alive) and /readyz (ready to serve),
 * each 200 or 503 with the reasons as text. Bound to loopback unless HTTP_HOST says otherwise; owned by the
 * running bot and closed with it (open keep-alive connections included).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verdict } from './health.js';

/** The paths the server answers (the Dockerfile's HEALTHCHECK uses one; a test holds it to this list). */
export const HTTP_PATHS = { metrics: '/metrics', health: '/healthz', ready: '/readyz' } as const;

export interface HttpRoutes {
  metrics: () => Promise<{ contentType: string; body: string }>;
  health: () => Verdict | Promise<Verdict>;
  ready: () => Verdict | Promise<Verdict>;
}

export interface OpsHttpServer {
  /** e.g. http://127.0.0.1:9100 */
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0: a free port); rejects when it cannot (the port is taken, the host unknown). */
export async function startHttpServer(host: string, port: number, routes: HttpRoutes): Promise<OpsHttpServer> {
  const server = createServer((req, res) => void answer(req, res, routes));
  // A scrape must never hold the process: no request may take longer than this.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, a socket error concerns one client, never the bot.
  server.on('error', () => undefined);
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shown}:${address.port}`, close: () => closeServer(server) };
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET\n', { allow: 'GET, HEAD' });
  try {
    switch (path) {
      case HTTP_PATHS.metrics: {
        const { contentType, body } = await routes.metrics();
        return send(res, 200, body, { 'content-type': contentType });
      }
      case HTTP_PATHS.health:
        return sendVerdict(res, await routes.health());
      case HTTP_PATHS.ready:
        return sendVerdict(res, await routes.ready());
      default:
        return send(res, 404, `not found: try ${Object.values(HTTP_PATHS).join(', ')}\n`);
    }
  } catch (error) {
    return send(res, 500, `error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function sendVerdict(res: ServerResponse, verdict: Verdict): void {
  send(res, verdict.ok ? 200 : 503, verdict.ok ? 'ok\n' : `${verdict.reasons.join('\n')}\n`);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Prometheus keeps its connection alive between scrapes: it must not hold the shutdown.
    server.closeAllConnections();
  });
}
