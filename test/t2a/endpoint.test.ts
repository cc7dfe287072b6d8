import { describe, expect, test } from 'vitest';
import { T2A_URLS, getVoiceUrl, resolveT2AUrl } from '../../src/t2a/endpoint.js';

describe('resolveT2AUrl', () => {
  test('maps each region to the documented WebSocket URL, global by default', () => {
    expect(resolveT2AUrl()).toBe('wss://api.minimax.io/ws/v1/t2a_v2');
    expect(resolveT2AUrl({ region: 'global' })).toBe('wss://api.minimax.io/ws/v1/t2a_v2');
    expect(resolveT2AUrl({ region: 'us-west' })).toBe('wss://api-uw.minimax.io/ws/v1/t2a_v2');
    expect(resolveT2AUrl({ region: 'cn' })).toBe('wss://api.minimaxi.com/ws/v1/t2a_v2');
    expect(Object.keys(T2A_URLS).sort()).toEqual(['cn', 'global', 'us-west']);
  });

  test('an explicit url wins over the region; an empty one does not', () => {
    expect(resolveT2AUrl({ region: 'cn', url: 'ws://127.0.0.1:4000/ws/v1/t2a_v2' })).toBe('ws://127.0.0.1:4000/ws/v1/t2a_v2');
    expect(resolveT2AUrl({ region: 'cn', url: '' })).toBe(T2A_URLS.cn);
  });
});

describe('getVoiceUrl', () => {
  test('is the get_voice API on the same host, https for wss', () => {
    expect(getVoiceUrl()).toBe('https://api.minimax.io/v1/get_voice');
    expect(getVoiceUrl({ region: 'us-west' })).toBe('https://api-uw.minimax.io/v1/get_voice');
    expect(getVoiceUrl({ region: 'cn' })).toBe('https://api.minimaxi.com/v1/get_voice');
  });

  test('is plain http on the same host and port for a ws:// url (the fake)', () => {
    expect(getVoiceUrl({ url: 'ws://127.0.0.1:41234/ws/v1/t2a_v2' })).toBe('http://127.0.0.1:41234/v1/get_voice');
    expect(getVoiceUrl({ region: 'cn', url: 'wss://proxy.example:8443/t2a' })).toBe('https://proxy.example:8443/v1/get_voice');
  });
});
