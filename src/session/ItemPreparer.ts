import type { TranscoderFactory } from '../audio/types.js';
import { createWasmTranscoderFactory } from '../audio/WasmTranscoder.js';
import type { DictionaryEntry, GuildSettings, ResolvedVoice, Store } from '../store/types.js';
import type { LanguageBoost, Synthesizer, TaskSettings } from '../t2a/types.js';
import { compileDictionary, detectLanguage, emotionOf, laughterAsTags, splitForT2A, type CompiledDictionary } from '../text/index.js';
import { boostOfVoice, messageVoice, pickPoolVoice, poolVoices } from './messageVoice.js';
import { PreparedItem, type Admit } from './PreparedItem.js';
import type { QueueItem, VoiceOverride } from './types.js';
import { toTaskSettings } from './voiceSettings.js';

/** Authors whose last language is remembered per guild; the least recent is forgotten first. */
const MAX_REMEMBERED_AUTHORS = 1000;

/** What the preparer needs from the session's context. */
export interface PreparerDeps {
  synthesizer: Synthesizer;
  transcoders: TranscoderFactory;
  store: Store;
  defaults: ResolvedVoice;
  /** See SessionContext.opusBitrate. */
  opusBitrate?: ((channelId: string) => number | undefined) | undefined;
  /** See SessionContext.admit. */
  admit?: Admit | undefined;
}

/** One author's voice as things stand now: the task settings and where the voice came from. */
interface VoicePlan {
  guild: GuildSettings;
  dictionary: readonly DictionaryEntry[];
  settings: TaskSettings;
  /** The server-wide voice (server setting or bot default) when neither the item nor the member chose one. */
  serverVoice: string | undefined;
  /** The language whose server voice (/voice language set) the item is read with, if it is one. */
  languageVoice: LanguageBoost | undefined;
}

/**
 * Turns a queue item into a PreparedItem for one guild: resolves the voice from the store at that moment (a
 * settings change applies from the next item), applies the dictionary, splits the text for T2A and starts
 * synthesis. It also says which task settings an author's next item would use, so a task can be warmed early.
 */
export class ItemPreparer {
  private dictionary: { key: string; compiled: CompiledDictionary } | null = null;
  /** Items spoken with the server-wide voice (server setting or bot default), and that voice. */
  private readonly serverVoices = new WeakMap<PreparedItem, string>();
  /** Items spoken with a server voice per language, and that language. */
  private readonly languageVoices = new WeakMap<PreparedItem, LanguageBoost>();
  /** Each author's last detected language, for their next short or plain message (least recent first). */
  private readonly languages = new Map<string, LanguageBoost>();
  private mp3Fallback: TranscoderFactory | undefined;

  constructor(
    private readonly guildId: string,
    private readonly deps: PreparerDeps,
    /** The voice channel the session is in (or joining), read as audio is coded: a move or a bitrate change applies at once. */
    private readonly channelId: () => string | null = () => null,
  ) {}

  /** The task settings an item by `authorId` (with `override`) would be synthesized with if it started now. */
  taskSettingsFor(authorId: string, override?: VoiceOverride, text?: string): TaskSettings {
    return this.plan(authorId, override, { text, remember: false }).settings;
  }

  /** Starts T2A and the transcoder for the item with the voice in force now (or, for ready audio, only the transcoder). */
  prepare(item: QueueItem): PreparedItem {
    if (item.audio !== undefined) return new PreparedItem(item, { kind: 'ready', mp3: item.audio }, this.mp3Transcoders(), () => this.bitrate());
    const plan = this.plan(item.authorId, item.override, { text: item.authorText ?? item.text, remember: true });
    const spoken = this.compiledDictionary(plan.dictionary, plan.guild.allowSpecialMarkup).apply(item.text);
    // Laughter tags are MiniMax markup: only where the server lets markup through, on the models that speak them.
    const laughs = plan.guild.voicing.expressive && plan.guild.allowSpecialMarkup && plan.settings.model.startsWith('speech-2.8');
    const text = laughs ? laughterAsTags(spoken) : spoken;
    const audio = { kind: 'speech', pieces: splitForT2A(text), settings: plan.settings, synthesizer: this.deps.synthesizer } as const;
    const prepared = new PreparedItem(item, audio, this.deps.transcoders, () => this.bitrate(), this.deps.admit);
    if (plan.serverVoice !== undefined) this.serverVoices.set(prepared, plan.serverVoice);
    if (plan.languageVoice !== undefined) this.languageVoices.set(prepared, plan.languageVoice);
    return prepared;
  }

  /** The language whose server voice (/voice language set) the item was prepared with, if it was one. */
  languageVoiceOf(prepared: PreparedItem): LanguageBoost | undefined {
    return this.languageVoices.get(prepared);
  }

  /** The server-wide voice the item was prepared with, or undefined when the item or its author chose one. */
  serverVoiceOf(prepared: PreparedItem): string | undefined {
    return this.serverVoices.get(prepared);
  }

  /**
   * Transcoders that take MP3, for ready audio: the session's own, unless they take MiniMax's Ogg Opus
   * (AUDIO_FORMAT=opus); then an in-thread MP3 decoder (it holds nothing to close).
   */
  private mp3Transcoders(): TranscoderFactory {
    const { transcoders } = this.deps;
    if ((transcoders.input ?? 'mp3') === 'mp3') return transcoders;
    this.mp3Fallback ??= createWasmTranscoderFactory();
    return this.mp3Fallback;
  }

  /** The Opus bitrate for the channel the session is in now (see SessionContext.opusBitrate). */
  private bitrate(): number | undefined {
    const channelId = this.channelId();
    return channelId === null ? undefined : this.deps.opusBitrate?.(channelId);
  }

  /**
   * `text`: the item's words, if known. `remember`: this is the item itself, not a guess ahead (warming): its
   * language is remembered and a pool voice given out.
   */
  private plan(authorId: string, override: VoiceOverride | undefined, { text, remember }: { text: string | undefined; remember: boolean }): VoicePlan {
    const { store, defaults } = this.deps;
    const guild = store.getGuildSettings(this.guildId);
    const member = store.getMemberVoice(this.guildId, authorId);
    const usual = boostOfVoice(guild.voice.voiceId ?? defaults.voiceId);
    const language = guild.voicing.detectLanguage ? this.languageOf(authorId, text, remember, usual) : undefined;
    const ownChoice = override?.voiceId !== undefined || member.voiceId !== undefined;
    const poolVoice = guild.voicing.pool && !ownChoice ? this.poolVoiceOf(authorId, guild, remember) : undefined;
    const { voice, serverWide, languageVoice } = messageVoice({ defaults, guild, member, override, language, poolVoice });
    // An emotion someone chose wins over the one the message shows.
    const shown = guild.voicing.expressive && voice.emotion === undefined && text !== undefined ? emotionOf(text) : undefined;
    if (shown !== undefined) voice.emotion = shown;
    const dictionary = store.listDictionary(this.guildId);
    const settings = toTaskSettings(voice, dictionary, this.deps.transcoders.input);
    return { guild, dictionary, settings, serverVoice: serverWide ? voice.voiceId : undefined, languageVoice };
  }

  /**
   * The language of an author's message: detected; when the message is too short or plain to tell (or not known
   * yet), the author's previous language, else the server voice's (`usual`); none when it mixes languages.
   */
  private languageOf(authorId: string, text: string | undefined, remember: boolean, usual: LanguageBoost | undefined): LanguageBoost | undefined {
    const previous = this.languages.get(authorId) ?? usual;
    if (text === undefined) return previous;
    const guess = detectLanguage(text);
    switch (guess.kind) {
      case 'unsure':
        return previous;
      case 'mixed':
        return undefined;
      case 'language':
        if (!remember) return guess.language;
        this.languages.delete(authorId);
        this.languages.set(authorId, guess.language);
        if (this.languages.size > MAX_REMEMBERED_AUTHORS) this.languages.delete(this.languages.keys().next().value as string);
        return guess.language;
    }
  }

  /** The author's pool voice; one is given (and stored for good) only when `give` and they have none. */
  private poolVoiceOf(authorId: string, guild: GuildSettings, give: boolean): string | undefined {
    const { store, defaults } = this.deps;
    const given = store.getPoolVoices(this.guildId);
    const kept = given[authorId];
    if (kept !== undefined || !give) return kept;
    const pick = pickPoolVoice(poolVoices(guild.voice.voiceId ?? defaults.voiceId, defaults.voiceId), given);
    return pick === undefined ? undefined : store.assignPoolVoice(this.guildId, authorId, pick);
  }

  /** The guild's dictionary as a matcher, rebuilt only when the entries change (building one costs ms). */
  private compiledDictionary(entries: readonly DictionaryEntry[], allowSpecialMarkup: boolean): CompiledDictionary {
    const key = JSON.stringify([allowSpecialMarkup, entries]);
    if (this.dictionary?.key !== key) this.dictionary = { key, compiled: compileDictionary(entries, { allowSpecialMarkup }) };
    return this.dictionary.compiled;
  }
}
