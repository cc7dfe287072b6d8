/** A stand-in for Discord's CDN on 127.0.0.1: serves the files a test attaches to command options. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AttachmentSpec } from '../fakes/discord/index.js';

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
