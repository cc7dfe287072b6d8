/**
 * A stand-in for Discord's CDN on 127.0.0.1: serves the files a test attaches to command options. `harnessWithCdn()`
 * starts one with the bot's harness for each test of a describe block and closes both after it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { AttachmentSpec } from '../fakes/discord/index.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

export class FakeCdn {
  private readonly files = new Map<string, Buffer>();
  readonly requests: string[] = [];
  private readonly server: Server = createServer((req, res) => {
    this.requests.push(req.url ?? '');
    const file = this.files.get(req.url ?? '');
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.length }).end(file);
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Serves `bytes` and returns the attachment as Discord describes it (size: the real length unless given). */
  attach(filename: string, bytes: Buffer, contentType: string | undefined, size = bytes.length): AttachmentSpec {
    const path = `/attachments/${this.files.size + 1}/${encodeURIComponent(filename)}`;
    this.files.set(path, bytes);
    const port = (this.server.address() as AddressInfo).port;
    return { filename, size, url: `http://127.0.0.1:${port}${path}`, ...(contentType ? { contentType } : {}) };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Call in a describe block: returns `start`, which starts a FakeCdn and then the harness with `options`, and
 * registers the afterEach that closes what the test started (the harness first, then the CDN).
 */
export function harnessWithCdn(): (options?: HarnessOptions) => Promise<{ h: Harness; cdn: FakeCdn }> {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const x of started.splice(0).reverse()) await x.close();
  });
  return async (options = {}) => {
    const cdn = await new FakeCdn().start();
    started.push(cdn);
    const h = await startHarness(options);
    started.push(h);
    return { h, cdn };
  };
}
