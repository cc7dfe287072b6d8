#!/usr/bin/env node
// The container's HEALTHCHECK: exits 0 when the URL (Parrot's /healthz) answers 200 within 4 s, else 1 with the
// reason on stderr. Node itself, so the image needs no curl.
import { get } from 'node:http';
import process from 'node:process';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node ops/healthcheck.mjs http://127.0.0.1:PORT/healthz\n');
  process.exit(2);
}
const fail = (why) => {
  process.stderr.write(`unhealthy: ${why}\n`);
  process.exit(1);
};
const req = get(url, { timeout: 4_000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => (res.statusCode === 200 ? process.exit(0) : fail(`${res.statusCode} ${body.trim()}`)));
});
req.on('timeout', () => req.destroy(new Error('no answer within 4 s')));
req.on('error', (error) => fail(error.message));
