/** Unit tests of the pieces GuildSession delegates to: the item preparer and the settler. */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { TranscoderFactory } from '../../src/audio/types.js';
import { ItemPreparer } from '../../src/session/ItemPreparer.js';
import type { PreparedItem } from '../../src/session/PreparedItem.js';
import { Settler, type SettleEvents } from '../../src/session/Settler.js';
import type { QueueItem } from '../../src/session/types.js';
import { AccountBudgetError, type Admission } from '../../src/store/accountBudget.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { settingsKey } from '../../src/t2a/index.js';
import type { Synthesizer, TaskSettings, Utterance } from '../../src/t2a/types.js';

const GUILD = 'g1';
const DEFAULTS = { voiceId: 'Default_Voice', model: 'speech-2.8-turbo' as const, speed: 1, volume: 1, pitch: 0 };

function item(id: number, authorId = 'u1', override?: QueueItem['override']): QueueItem {
  return { id, enqueuedAt: 0, authorId, authorName: authorId, text: 'gg everyone', source: { kind: 'command', channelId: 'c1' }, ...(override ? { override } : {}) };
}

/** Records what speak() was asked; every utterance fails at once (nothing here plays). */
class RecordingSynthesizer implements Synthesizer {
  readonly calls: { text: string; settings: TaskSettings }[] = [];
  speak(text: string, settings: TaskSettings): Utterance {
    this.calls.push({ text, settings });
    const result = Promise.reject(new Error('not synthesized in this test'));
    result.catch(() => undefined);
    return {
      result,
      sent: false,
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('not synthesized in this test')) }),
    };
  }
  async close(): Promise<void> {}
}

const transcoders: TranscoderFactory = {
  name: 'null',
  create: () => {
    const opus = new PassThrough({ objectMode: true });
    return { opus, write: () => undefined, end: () => opus.end(), destroy: () => opus.destroy() };
  },
};

describe('ItemPreparer', () => {
  const prepared: PreparedItem[] = [];
  afterEach(async () => {
    for (const p of prepared.splice(0)) {
      p.abort();
      await p.outcome;
    }
  });

  it("says exactly the task settings an author's item is then synthesized with (member voice, override, dictionary)", () => {
    const store = new MemoryStore();
    store.setMemberVoice(GUILD, 'u1', { voiceId: 'Member_Voice', speed: 1.5 });
    store.addDictionaryEntry(GUILD, { from: 'gg', to: 'good game' }, { maxEntries: 10 });
    const synthesizer = new RecordingSynthesizer();
    const preparer = new ItemPreparer(GUILD, { synthesizer, transcoders, store, defaults: DEFAULTS });
    const cases = [item(1, 'u1'), item(2, 'u2'), item(3, 'u1', { voiceId: 'Override_Voice', pitch: 2 })];
    for (const it of cases) {
      const expected = preparer.taskSettingsFor(it.authorId, it.override);
      prepared.push(preparer.prepare(it));
      const call = synthesizer.calls.at(-1);
      expect(call?.text).toBe('good game everyone');
      expect(settingsKey(call!.settings)).toBe(settingsKey(expected));
    }
    expect(synthesizer.calls.map((c) => c.settings.voice.voiceId)).toEqual(['Member_Voice', 'Default_Voice', 'Override_Voice']);
    // Only the item spoken in the server-wide voice is marked as such.
    expect(prepared.map((p) => preparer.serverVoiceOf(p))).toEqual([undefined, 'Default_Voice', undefined]);
  });
});

describe('PreparedItem with the account budget (admit)', () => {
  const refusal = new AccountBudgetError('spent', { used: 10, reserved: 0, cap: 10 });

  it('sends nothing before the reservation is made, and nothing at all when it is refused or the budget throws', async () => {
    for (const admit of [() => Promise.resolve<Admission>({ ok: false, error: refusal }), () => Promise.reject(new Error('budget bug'))]) {
      const synthesizer = new RecordingSynthesizer();
      const preparer = new ItemPreparer(GUILD, { synthesizer, transcoders, store: new MemoryStore(), defaults: DEFAULTS, admit });
      const p = preparer.prepare(item(1));
      expect(synthesizer.calls).toHaveLength(0);
      const outcome = await p.outcome;
      expect(outcome).toMatchObject({ ok: false, audioStarted: false, aborted: false, usageCharacters: 0 });
      expect(synthesizer.calls).toHaveLength(0);
    }
  });

  it('sends once admitted, settles the reservation once with what was billed, and settles 0 when cancelled while waiting', async () => {
    const settled: number[] = [];
    let admitted: (a: Admission) => void = () => undefined;
    const admit = (pieces: readonly string[]): Promise<Admission> => {
      expect(pieces).toEqual(['gg everyone']);
      return new Promise<Admission>((resolve) => (admitted = resolve));
    };
    const synthesizer = new RecordingSynthesizer();
    const preparer = new ItemPreparer(GUILD, { synthesizer, transcoders, store: new MemoryStore(), defaults: DEFAULTS, admit });
    const sent = preparer.prepare(item(1));
    await Promise.resolve();
    expect(synthesizer.calls).toHaveLength(0);
    admitted({ ok: true, settle: (n) => settled.push(n) });
    await sent.outcome;
    expect(synthesizer.calls).toHaveLength(1);
    // The recording synthesizer's utterance was never sent: billed 0, settled once.
    expect(settled).toEqual([0]);

    const cancelled = preparer.prepare(item(2));
    cancelled.abort();
    admitted({ ok: true, settle: (n) => settled.push(n + 1000) });
    expect(await cancelled.outcome).toMatchObject({ ok: false, aborted: true, usageCharacters: 0 });
    expect(synthesizer.calls).toHaveLength(1);
    expect(settled).toEqual([0, 1000]);
  });
});

describe('Settler', () => {
  const settlers: Settler[] = [];
  afterEach(() => {
    for (const s of settlers.splice(0)) s.cancel();
  });

  function setup(serverVoice?: string): { settler: Settler; events: [string, ...unknown[]][]; due: () => number } {
    const emitter = new EventEmitter<SettleEvents>();
    const events: [string, ...unknown[]][] = [];
    for (const name of ['report', 'pause', 'retry', 'notice', 'played', 'usage'] as const) {
      emitter.on(name, (...args: unknown[]) => events.push([name, ...args]));
    }
    let dueCount = 0;
    const settler = new Settler({
      timings: { retryBaseMs: 10_000, retryMaxMs: 10_000, retryAttempts: 2, authPauseMs: 1, billingPauseMs: 1, usageLimitPauseMs: 1, accountPauseMs: 1, accountAwayPauseMs: 1 },
      events: emitter,
      serverVoiceOf: () => serverVoice,
      onRetryDue: () => (dueCount += 1),
    });
    settlers.push(settler);
    return { settler, events, due: () => dueCount };
  }

  const prepared = (it: QueueItem): PreparedItem => ({ item: it, model: 'speech-2.8-turbo' }) as PreparedItem;
  const failed = (error: unknown, usage = 0) => ({ ok: false as const, error, audioStarted: false, aborted: false, usageCharacters: usage });

  it('holds a retryable failure as the pending retry, and gives up with a report after the attempts', () => {
    const { settler, events } = setup();
    const p = prepared(item(7));
    settler.settle(p, failed({ category: 'rate_limit' }), false);
    expect(settler.pending?.id).toBe(7);
    expect(settler.waiting).toBe(true);
    expect(events.map((e) => e[0])).toEqual(['retry']);
    expect(settler.take()?.id).toBe(7);
    expect(settler.pending).toBeNull();
    settler.settle(p, failed({ category: 'rate_limit' }), false);
    settler.take();
    settler.settle(p, failed({ category: 'rate_limit' }), false);
    expect(events.map((e) => e[0])).toEqual(['retry', 'retry', 'report']);
    expect(events.at(-1)?.[1]).toMatchObject({ kind: 'failed' });
  });

  it('records usage and reports nothing for an item settled after the session ended', () => {
    const { settler, events } = setup();
    settler.settle(prepared(item(1)), failed({ category: 'rate_limit' }, 12), true);
    expect(events).toEqual([['usage', 12, 'speech-2.8-turbo']]);
    expect(settler.pending).toBeNull();
  });

  it('a pause verdict emits the pause, then reports the item', () => {
    const { settler, events } = setup();
    settler.settle(prepared(item(1)), failed({ category: 'auth', code: 1004 }), false);
    expect(events.map((e) => e[0])).toEqual(['pause', 'report']);
    expect(events[1]?.[1]).toMatchObject({ kind: 'paused' });
  });

  it('a refused server voice is told to the admins once, and again only after it played meanwhile', () => {
    const { settler, events } = setup('Server_Voice');
    const refused = failed({ category: 'voice', code: 2054, message: 'voice id not exist' });
    settler.settle(prepared(item(1)), refused, false);
    settler.settle(prepared(item(2)), refused, false);
    expect(events.map((e) => e[0])).toEqual(['notice', 'report', 'report']);
    settler.settle(prepared(item(3)), { ok: true, usageCharacters: 3 }, false);
    settler.settle(prepared(item(4)), refused, false);
    expect(events.map((e) => e[0])).toEqual(['notice', 'report', 'report', 'usage', 'played', 'notice', 'report']);
  });

  it('cancel() drops the pending retry and its timer', () => {
    const { settler, due } = setup();
    settler.settle(prepared(item(1)), failed({ category: 'transient' }), false);
    settler.cancel();
    expect(settler.pending).toBeNull();
    expect(settler.waiting).toBe(false);
    expect(due()).toBe(0);
  });
});
