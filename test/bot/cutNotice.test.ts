import { describe, expect, it } from 'vitest';
import { cutNotice } from '../../src/bot/reports.js';
import type { PendingItem } from '../../src/store/types.js';

let n = 0;
const item = (authorId: string): PendingItem => ({ key: `k${n++}`, guildId: '1', channelId: '2', authorId, enqueuedAt: n });

describe('the notice of texts a restart cut', () => {
  it('names each author once, most texts first, then who came first, and counts them all', () => {
    const items = ['30', '10', '20', '10', '20', '10'].map(item);
    expect(cutNotice(items)).toBe('Parrot restarted and did not read 6 queued messages: from <@10> (3), <@20> (2), <@30> (1).');
  });

  it('says one message in the singular', () => {
    expect(cutNotice([item('42')])).toBe('Parrot restarted and did not read 1 queued message: from <@42> (1).');
  });

  it('puts only snowflakes in a mention: anything else read from the database is "someone"', () => {
    expect(cutNotice([item('@everyone'), item('<@&5>')])).toBe('Parrot restarted and did not read 2 queued messages: from someone (1), someone (1).');
  });

  it('names twenty authors and counts the rest', () => {
    const items = Array.from({ length: 25 }, (_, i) => item(String(100 + i)));
    const text = cutNotice(items);
    expect(text.match(/<@\d+>/g)).toHaveLength(20);
    expect(text).toMatch(/^Parrot restarted and did not read 25 queued messages: from <@100> \(1\), .* and 5 more\.$/);
  });
});
