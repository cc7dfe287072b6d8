/** MiniMax endpoints: the T2A WebSocket per region, and the HTTP get_voice API on the same host. */

export type T2ARegion = 'global' | 'us-west' | 'cn';

/** The T2A WebSocket URL of each region (a key only works in its own region). */
export const T2A_URLS: Readonly<Record<T2ARegion, string>> = Object.freeze({
  global: 'wss://api.minimax.io/ws/v1/t2a_v2',
  'us-west': 'wss://api-uw.minimax.io/ws/v1/t2a_v2',
  cn: 'wss://api.minimaxi.com/ws/v1/t2a_v2',
});

export interface EndpointOptions {
  region?: T2ARegion | undefined;
  /** A full ws:// or wss:// URL (proxy, fake server); wins over region. */
  url?: string | undefined;
}

/** The WebSocket URL to use: the explicit url if given, else the region's (default global). */
export function resolveT2AUrl(options: EndpointOptions = {}): string {
  if (options.url !== undefined && options.url !== '') return options.url;
  return T2A_URLS[options.region ?? 'global'];
}

/**
 * The get_voice URL on the T2A host: wss://api.minimax.io/... -> https://api.minimax.io/v1/get_voice,
 * ws://127.0.0.1:P/... -> http://127.0.0.1:P/v1/get_voice.
 */
export function getVoiceUrl(options: EndpointOptions = {}): string {
  const ws = new URL(resolveT2AUrl(options));
  const scheme = ws.protocol === 'ws:' || ws.protocol === 'http:' ? 'http:' : 'https:';
  return `${scheme}//${ws.host}/v1/get_voice`;
}
