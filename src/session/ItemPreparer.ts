import type { TranscoderFactory } from '../audio/types.js';
import { resolveVoice } from '../store/resolveVoice.js';
import type { DictionaryEntry, GuildSettings, ResolvedVoice, Store } from '../store/types.js';
import type { Synthesizer, TaskSettings } from '../t2a/types.js';
import { compileDictionary, splitForT2A, type CompiledDictionary } from '../text/index.js';
import { PreparedItem } from './PreparedItem.js';
import type { QueueItem, VoiceOverride } from './types.js';
import { toTaskSettings } from './voiceSettings.js';

/** What the preparer needs from the session's context. */
export interface PreparerDeps {
  synthesizer: Synthesizer;
  transcoders: TranscoderFactory;
  store: Store;
  defaults: ResolvedVoice;
  /** See SessionContext.opusBitrate. */
  opusBitrate?: ((channelId: string) => number | undefined) | undefined;
}

/** One author's voice as things stand now: the task settings and where the voice came from. */
interface VoicePlan {
  guild: GuildSettings;
  dictionary: readonly DictionaryEntry[];
  settings: TaskSettings;
  /** The server-wide voice (server setting or bot default) when neither the item nor the member chose one. */
  serverVoice: string | undefined;
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

  constructor(
    private readonly guildId: string,
    private readonly deps: PreparerDeps,
    /** The voice channel the session is in (or joining), read as audio is coded: a move or a bitrate change applies at once. */
    private readonly channelId: () => string | null = () => null,
  ) {}

  /** The task settings an item by `authorId` (with `override`) would be synthesized with if it started now. */
  taskSettingsFor(authorId: string, override?: VoiceOverride): TaskSettings {
    return this.plan(authorId, override).settings;
  }

  /** Starts T2A and the transcoder for the item with the voice in force now. */
  prepare(item: QueueItem): PreparedItem {
    const plan = this.plan(item.authorId, item.override);
    const text = this.compiledDictionary(plan.dictionary, plan.guild.allowSpecialMarkup).apply(item.text);
    const prepared = new PreparedItem(item, splitForT2A(text), plan.settings, this.deps.synthesizer, this.deps.transcoders, () => this.bitrate());
    if (plan.serverVoice !== undefined) this.serverVoices.set(prepared, plan.serverVoice);
    return prepared;
  }

  /** The server-wide voice the item was prepared with, or undefined when the item or its author chose one. */
  serverVoiceOf(prepared: PreparedItem): string | undefined {
    return this.serverVoices.get(prepared);
  }

  /** The Opus bitrate for the channel the session is in now (see SessionContext.opusBitrate). */
  private bitrate(): number | undefined {
    const channelId = this.channelId();
    return channelId === null ? undefined : this.deps.opusBitrate?.(channelId);
  }

  private plan(authorId: string, override: VoiceOverride | undefined): VoicePlan {
    const { store, defaults } = this.deps;
    const guild = store.getGuildSettings(this.guildId);
    const member = store.getMemberVoice(this.guildId, authorId);
    const voice = resolveVoice(defaults, guild.voice, member, override);
    const dictionary = store.listDictionary(this.guildId);
    const serverWide = override?.voiceId === undefined && member.voiceId === undefined;
    return { guild, dictionary, settings: toTaskSettings(voice, dictionary, this.deps.transcoders.input), serverVoice: serverWide ? voice.voiceId : undefined };
  }

  /** The guild's dictionary as a matcher, rebuilt only when the entries change (building one costs ms). */
  private compiledDictionary(entries: readonly DictionaryEntry[], allowSpecialMarkup: boolean): CompiledDictionary {
    const key = JSON.stringify([allowSpecialMarkup, entries]);
    if (this.dictionary?.key !== key) this.dictionary = { key, compiled: compileDictionary(entries, { allowSpecialMarkup }) };
    return this.dictionary.compiled;
  }
}
