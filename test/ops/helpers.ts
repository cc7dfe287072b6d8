/** Scraping the bot's HTTP endpoints as Prometheus and an orchestrator would: plain HTTP over loopback. */
import { createServer } from 'node:net';

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string | null;
}

export async function get(url: string): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

/** One sample's value: `name{labels}` with every given label matching; undefined when there is no such sample. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!] as const));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

/** A port nothing listens on right now (for a server that must be reached before it can report its own). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** Polls `probe` until it stops throwing, up to `ms`. */
export async function until<T>(probe: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export interface Family {
  help: string;
  type: string;
  /** Every sample line of the family (histograms: _bucket, _sum, _count), by series `name{labels}`. */
  samples: Map<string, number>;
}

/**
 * The Prometheus text exposition, checked strictly: one HELP and one TYPE per family, before its samples; every
 * sample inside the family it belongs to (right after it, not later), every series once. Throws on any violation.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: { name: string; family: Family } | null = null;
  for (const [i, line] of text.split('\n').entries()) {
    // prom-client puts an empty line between families.
    if (line === '') continue;
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${line}`);
    };
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      const name = help[1]!;
      if (families.has(name)) fail(`second HELP for ${name}`);
      current = { name, family: { help: help[2]!, type: '', samples: new Map() } };
      families.set(name, current.family);
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (!current || current.name !== type[1] || current.family.type !== '' || current.family.samples.size > 0) return fail('TYPE not right after its HELP');
      current.family.type = type[2]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
    if (!sample) fail('neither HELP, TYPE nor a sample');
    const [, name, labels = '', value] = sample!;
    if (!current || current.family.type === '') fail('sample before its family\'s HELP and TYPE');
    const own = current!.family.type === 'histogram' || current!.family.type === 'summary' ? [current!.name, `${current!.name}_bucket`, `${current!.name}_sum`, `${current!.name}_count`] : [current!.name];
    if (!own.includes(name!)) fail(`sample of ${name} inside family ${current!.name}`);
    const series = `${name}${labels}`;
    if (seen.has(series)) fail('series twice');
    seen.add(series);
    // As Prometheus reads a value (Go's ParseFloat): NaN and Inf in any case (prom-client writes NaN as "Nan").
    const n = /^nan$/i.test(value!) ? NaN : /^[+-]?inf$/i.test(value!) ? (value!.startsWith('-') ? -Infinity : Infinity) : Number(value);
    if (Number.isNaN(n) && !/^nan$/i.test(value!)) fail('value is not a number');
    current!.family.samples.set(series, n);
  }
  return families;
}
