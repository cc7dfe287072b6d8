import { describe, expect, it } from 'vitest';
import { speakerPrefix, XSAID_WINDOW_MS, XSaidTracker } from '../../src/text/index.js';

describe('speakerPrefix', () => {
  it('formats "<name> said"', () => {
    expect(speakerPrefix('Ana')).toBe('Ana said');
  });

  it('cleans the name', () => {
    expect(speakerPrefix('✨_Bob_✨\u200b')).toBe('Bob said');
    expect(speakerPrefix('(laughs) <#5#> Eve')).toBe('laughs Eve said');
  });

  it('falls back to "someone" when nothing speakable is left', () => {
    expect(speakerPrefix('🔥🔥\u3164')).toBe('someone said');
  });
});

describe('XSaidTracker', () => {
  it('announces the first message of a speaker', () => {
    expect(new XSaidTracker().shouldAnnounce('g', 'ana', 0)).toBe(true);
  });

  it('does not repeat the same speaker within the window', () => {
    const tracker = new XSaidTracker();
    tracker.shouldAnnounce('g', 'ana', 0);
    expect(tracker.shouldAnnounce('g', 'ana', 30_000)).toBe(false);
    expect(tracker.shouldAnnounce('g', 'ana', 30_000 + XSAID_WINDOW_MS - 1)).toBe(false);
  });

  it('measures the window from the speaker\'s last message', () => {
    const tracker = new XSaidTracker();
    tracker.shouldAnnounce('g', 'ana', 0);
    expect(tracker.shouldAnnounce('g', 'ana', XSAID_WINDOW_MS)).toBe(true);
  });

  it('announces again when someone else spoke in between', () => {
    const tracker = new XSaidTracker();
    tracker.shouldAnnounce('g', 'ana', 0);
    expect(tracker.shouldAnnounce('g', 'bob', 1000)).toBe(true);
    expect(tracker.shouldAnnounce('g', 'ana', 2000)).toBe(true);
  });

  it('keeps guilds apart', () => {
    const tracker = new XSaidTracker();
    tracker.shouldAnnounce('g1', 'ana', 0);
    expect(tracker.shouldAnnounce('g2', 'ana', 1)).toBe(true);
    expect(tracker.shouldAnnounce('g1', 'ana', 2)).toBe(false);
  });

  it('forgets a guild', () => {
    const tracker = new XSaidTracker();
    tracker.shouldAnnounce('g', 'ana', 0);
    tracker.forget('g');
    expect(tracker.size).toBe(0);
    expect(tracker.shouldAnnounce('g', 'ana', 1)).toBe(true);
  });

  it('takes a custom window', () => {
    const tracker = new XSaidTracker(10_000);
    tracker.shouldAnnounce('g', 'ana', 0);
    expect(tracker.shouldAnnounce('g', 'ana', 9_999)).toBe(false);
    expect(tracker.shouldAnnounce('g', 'ana', 19_998)).toBe(false);
    expect(tracker.shouldAnnounce('g', 'ana', 29_998)).toBe(true);
  });
});
