/**
 * Bad input through the commands: hostile option values sent as Discord would deliver them, to the real bot.
 * Each gets a clear private error naming what to change (and nothing is stored), or is read sanely; the bot
 * never fails unexpectedly and keeps answering. (The text cleaner's own property tests: test/text/hostile.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opt, type CommandSpec, type GuildSpec } from '../fakes/discord/index.js';
import { GUILD, startHarness, type Harness } from '../bot/harness.js';

const HOSTILE_GUILD: GuildSpec = {
  ...GUILD,
  channels: [
    ...(GUILD.channels ?? []),
    { name: 'Quiet', type: 'voice', overwrites: [{ target: 'bot', deny: ['Speak'] }] },
    { name: 'hidden', overwrites: [{ target: 'bot', deny: ['ViewChannel'] }] },
  ],
  voiceStates: [...(GUILD.voiceStates ?? []), { user: 'carol', channel: 'Quiet' }],
};

const ZALGO = 'H̸̡̪̯ͨ͊̽̅̾̎Ȩ̬̩̾͛ͪ̈́̀́͘ ̶̧̨̱̹̭̯ͧ̾ͬC̷̙̲̝͖ͭ̏ͥͮ͟Oͮ͏̮̪̝͍M̲̖͊̒ͪͩͬ̚̚͜Ȇ̴̟̟͙̞ͩ͌͝S̨̥̫͎̭ͯ̿̔̀ͅ';
const RLO = '\u202E';
const BIDI_OR_INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;

interface Row {
  name: string;
  spec: CommandSpec;
  /** A private error matching this. */
  error?: RegExp;
  /** Read: the reply says so, and the text MiniMax received passes this check. */
  read?: (sent: string) => void;
}

/** The same refusal from /voice set and /myvoice set. */
const bothVoiceCommands = (what: string, options: NonNullable<CommandSpec['options']>, error: RegExp, user = 'alice'): Row[] =>
  ['voice', 'myvoice'].map((command) => ({ name: `${command} set ${what}`, spec: { command, subcommand: 'set', user, options }, error }));

const ROWS: Row[] = [
  // Out-of-range settings (Discord enforces min/max, but a stale client or a forged request may not).
  ...bothVoiceCommands('speed 1e9', { speed: opt.number(1e9) }, /speed must be between 0\.5 and 2 \(got 1000000000\)\. Nothing was changed\./),
  ...bothVoiceCommands('pitch -99', { pitch: opt.integer(-99) }, /pitch must be an integer between -12 and 12 \(got -99\)\. Nothing was changed\./),
  ...bothVoiceCommands('volume -1', { volume: opt.number(-1) }, /volume must be greater than 0 and at most 10 \(got -1\)\. Nothing was changed\./),
  ...bothVoiceCommands('model speech-99', { model: 'speech-99' }, /model must be one of speech-2\.8-hd/),
  ...bothVoiceCommands('emotion rage', { emotion: 'rage' }, /emotion must be one of happy/),
  ...bothVoiceCommands('language Klingon', { language: 'Klingon' }, /language must be one of MiniMax's languages/),
  { name: 'autoread max_length 0', spec: { command: 'autoread', subcommand: 'options', options: { max_length: opt.integer(0) } }, error: /max_length must be a whole number from \d+ to [\d,]+\. Nothing was changed\./ },
  { name: 'autoread max_length 10^7', spec: { command: 'autoread', subcommand: 'options', options: { max_length: opt.integer(10_000_000) } }, error: /max_length must be a whole number/ },
  { name: 'autoread ignore_prefix of 50 characters', spec: { command: 'autoread', subcommand: 'options', options: { ignore_prefix: opt.string('#'.repeat(50)) } }, error: /ignore_prefix must be 1 to 10 characters other than spaces, or "none"\. Nothing was changed\./ },
  { name: 'usage daily_cap -1', spec: { command: 'usage', options: { daily_cap: opt.integer(-1) } }, error: /daily_cap must be a whole number from 0 to [\d,]+; 0 removes the server cap\. Nothing was changed\./ },
  { name: 'usage monthly_cap 2e9', spec: { command: 'usage', options: { monthly_cap: opt.integer(2_000_000_000) } }, error: /monthly_cap must be a whole number/ },
  // Unknown voices, however they are spelled.
  ...bothVoiceCommands('an unknown voice', { voice: 'Nobody_Voice' }, /^I don't know the voice "Nobody\\_Voice"\. Pick one from the list as you type, or see \/voice list\. Nothing was changed\.$/),
  ...bothVoiceCommands('a 5000-character voice', { voice: 'v'.repeat(5000) }, /^I don't know the voice "v{100}"\./),
  ...bothVoiceCommands('a zalgo voice', { voice: ZALGO }, /^I don't know the voice ".*"\. Pick one/su),
  { name: 'speak with an RTL-override voice', spec: { command: 'speak', options: { text: 'Hello.', voice: `${RLO}rotaN_hsilgnE` } }, error: /^I don't know the voice ".*"\. Pick one from the list/su },
  // Unknown or unusable channels.
  { name: 'autoread set a channel the bot cannot see', spec: { command: 'autoread', subcommand: 'set', options: { channel: opt.channel('hidden') } }, error: /I can't see <#\d+>\. Give me the View Channel permission there/ },
  // Missing permissions: the caller's (checked at run time) and the bot's.
  { name: 'voice set without Manage Server', spec: { command: 'voice', subcommand: 'set', user: 'bob', options: { speed: 1.5 } }, error: /You need the Manage Server permission to change the server's voice/ },
  { name: 'voice reset without Manage Server', spec: { command: 'voice', subcommand: 'reset', user: 'bob' }, error: /Manage Server/ },
  { name: 'dictionary add without Manage Server', spec: { command: 'dictionary', subcommand: 'add', user: 'bob', options: { from: 'a', to: 'b' } }, error: /Manage Server/ },
  { name: 'autoread set without Manage Server', spec: { command: 'autoread', subcommand: 'set', user: 'bob', options: { channel: opt.channel('reading') } }, error: /Manage Server/ },
  { name: 'usage caps without Manage Server', spec: { command: 'usage', user: 'bob', options: { daily_cap: opt.integer(5) } }, error: /Manage Server/ },
  { name: 'speak where the bot may not speak', spec: { command: 'speak', user: 'carol', options: { text: 'Hello there.' } }, error: /I'm missing the Speak permission there/ },
  { name: 'skip from outside the voice channel', spec: { command: 'skip', user: 'carol' }, error: /^Join <#\d+> to / },
  // Hostile /speak texts.
  { name: 'speak 100k characters', spec: { command: 'speak', options: { text: 'a'.repeat(100_000) } }, error: /^text must be at most 2000 characters \(got 100000\)\.$/ },
  { name: 'speak punctuation only', spec: { command: 'speak', options: { text: '?!?!... ---' } }, error: /There's nothing I can read in that text/ },
  { name: 'speak a zero-width flood', spec: { command: 'speak', options: { text: '\u200B'.repeat(1500) } }, error: /There's nothing I can read in that text/ },
  { name: 'speak zalgo', spec: { command: 'speak', options: { text: `${ZALGO} tonight` } }, read: (s) => {
      expect(s).not.toMatch(/\p{M}{4}/u);
      expect(s.normalize('NFD').replace(/\p{M}/gu, '')).toBe('HE COMES tonight');
    } },
  { name: 'speak an RTL override', spec: { command: 'speak', options: { text: `I paid ${RLO}001$ today` } }, read: (s) => expect(s).not.toMatch(BIDI_OR_INVISIBLE) },
  { name: 'speak control characters', spec: { command: 'speak', options: { text: 'bell\u0007 and \u001b[31mred\u001b[0m text\u0000' } }, read: (s) => expect(s).not.toMatch(/[^\P{Cc}\n]/u) },
  { name: 'speak lone surrogates', spec: { command: 'speak', options: { text: 'broken \uD800 pair \uDFFF here' } }, read: (s) => expect(s).not.toMatch(/\p{Cs}/u) },
  { name: 'speak a mention flood', spec: { command: 'speak', options: { text: '@everyone @here <@&1> <#2> '.repeat(60) } }, read: (s) => expect(s.length).toBeLessThanOrEqual(2000) },
  { name: 'speak zero-width padding around words', spec: { command: 'speak', options: { text: `hi${'\u200B'.repeat(50)} there${'\u2060'.repeat(50)}` } }, read: (s) => expect(s).not.toMatch(BIDI_OR_INVISIBLE) },
];

let h: Harness;
let stored: () => string;
beforeAll(async () => {
  h = await startHarness({ guilds: [HOSTILE_GUILD], env: { RATE_LIMIT_USER_PER_MINUTE: '1000', AUDIO_CACHE_MB: '0' } });
  await h.run({ command: 'join' });
  const g = h.discord.guild().id;
  const ids = ['alice', 'bob', 'carol'].map((n) => h.discord.guild().member(n).user.id);
  stored = () => JSON.stringify([h.bot.store.getGuildSettings(g), ids.map((id) => h.bot.store.getMemberVoice(g, id)), h.bot.store.listDictionary(g)]);
});
afterAll(async () => {
  await h.close();
});

describe('hostile command input', () => {
  it.each(ROWS)('$name', async (row) => {
    const before = stored();
    const sentBefore = h.minimax.texts.length;
    const reply = await h.run(row.spec);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content.length).toBeLessThanOrEqual(2000);
    // Echoed input can never turn the rest of the answer around or hide in it.
    expect(reply.content).not.toMatch(BIDI_OR_INVISIBLE);
    if (row.error) {
      expect(reply.content).toMatch(row.error);
      expect(stored()).toBe(before);
    } else {
      expect(reply.content).toMatch(/^(Reading it now\.|Queued \(position \d+\)\.)$/);
      await h.minimax.waitFor(() => h.minimax.texts.length > sentBefore, 5_000, 'the text to reach MiniMax');
      const sent = h.minimax.texts.at(-1)!;
      expect(sent.trim()).not.toBe('');
      row.read?.(sent);
      await h.run({ command: 'clear' });
    }
  });

  it('never fails unexpectedly, and still answers afterwards', async () => {
    expect(h.logs.filter((l) => l.includes('command failed'))).toEqual([]);
    const status = await h.run({ command: 'status' });
    expect(status.content).toContain('**Voice:** in <#');
  });
});
