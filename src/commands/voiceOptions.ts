/**
 * The voice options shared by `/voice set` and `/myvoice set` (and `/speak voice`): their definitions, reading
 * them into a profile patch, validation through src/t2a's checks against the voice that would result, and the
 * autocomplete lists. Nothing is stored by these helpers.
 */
import type { ApplicationCommandOptionChoiceData, SlashCommandSubcommandBuilder } from 'discord.js';
import type { BotConfig } from '../config.js';
import { resolveVoice } from '../store/resolveVoice.js';
import type { ResolvedVoice, VoiceProfile, VoiceProfilePatch } from '../store/types.js';
import { T2AError, validateTaskSettings, type VoiceCatalogue } from '../t2a/index.js';
import { EMOTIONS, LANGUAGE_BOOSTS, MODELS, type Emotion, type LanguageBoost, type Model, type TaskSettings } from '../t2a/types.js';
import type { AutocompleteContext, CommandContext } from './types.js';
import { madeVoiceChoice, madeVoiceLabel, madeVoicesFor } from './ownVoices.js';
import { codeSpan, literal } from './reply.js';

/** Discord's limit on autocomplete answers. */
const MAX_CHOICES = 25;

/** The defaults every voice falls back to (from the bot's configuration). */
export function voiceDefaults(config: Pick<BotConfig, 'defaultVoice' | 'defaultModel'>): ResolvedVoice {
  return { voiceId: config.defaultVoice, model: config.defaultModel, speed: 1, volume: 1, pitch: 0 };
}

/** Adds the voice options to a `set` subcommand. */
export function addVoiceOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return sub
    .addStringOption((o) => o.setName('voice').setDescription('Voice (start typing to search)').setAutocomplete(true).setMaxLength(200))
    .addStringOption((o) =>
      o
        .setName('model')
        .setDescription('Speech model: turbo is cheaper and faster, hd sounds richer')
        .addChoices(...MODELS.map((m) => ({ name: m, value: m }))),
    )
    .addNumberOption((o) => o.setName('speed').setDescription('Speaking rate, 0.5 to 2 (1 is normal)').setMinValue(0.5).setMaxValue(2))
    .addNumberOption((o) => o.setName('volume').setDescription('Loudness, above 0 and up to 10 (1 is normal)').setMinValue(0.01).setMaxValue(10))
    .addIntegerOption((o) => o.setName('pitch').setDescription('Pitch in semitones, -12 to 12 (0 is normal)').setMinValue(-12).setMaxValue(12))
    .addStringOption((o) =>
      o
        .setName('emotion')
        .setDescription('Emotion (fluent and whisper need a speech-2.6 model)')
        .addChoices(...EMOTIONS.map((e) => ({ name: e === 'fluent' || e === 'whisper' ? `${e} (speech-2.6 only)` : e, value: e }))),
    )
    .addStringOption((o) => o.setName('language').setDescription('Language to favour (start typing to search)').setAutocomplete(true).setMaxLength(40));
}

export type PatchResult = { ok: true; patch: VoiceProfilePatch; changed: string[] } | { ok: false; message: string };

/**
 * Reads the voice options of a `set` subcommand; checks the ones that are enumerations or known voices (for
 * `forUserId`, null: for the server; see pickVoice).
 */
export function readVoiceOptions(ctx: VoicePickContext, forUserId: string | null): PatchResult {
  const o = ctx.interaction.options;
  const patch: VoiceProfilePatch = {};
  const voice = o.getString('voice');
  if (voice !== null) {
    const known = pickVoice(ctx, voice, forUserId);
    if (!known.ok) return known;
    patch.voiceId = known.voiceId;
  }
  const model = o.getString('model');
  if (model !== null) {
    if (!(MODELS as readonly string[]).includes(model)) return { ok: false, message: `model must be one of ${MODELS.join(', ')}. Nothing was changed.` };
    patch.model = model as Model;
  }
  const speed = o.getNumber('speed');
  if (speed !== null) patch.speed = speed;
  const volume = o.getNumber('volume');
  if (volume !== null) patch.volume = volume;
  const pitch = o.getInteger('pitch');
  if (pitch !== null) patch.pitch = pitch;
  const emotion = o.getString('emotion');
  if (emotion !== null) {
    if (!(EMOTIONS as readonly string[]).includes(emotion)) return { ok: false, message: `emotion must be one of ${EMOTIONS.join(', ')}. Nothing was changed.` };
    patch.emotion = emotion as Emotion;
  }
  const language = o.getString('language');
  if (language !== null) {
    const match = LANGUAGE_BOOSTS.find((l) => l.toLowerCase() === language.trim().toLowerCase());
    if (!match) return { ok: false, message: `language must be one of MiniMax's languages (e.g. English, Japanese, auto); pick one from the list. Nothing was changed.` };
    patch.languageBoost = match;
  }
  return { ok: true, patch, changed: Object.keys(patch) };
}

/** What choosing a voice needs: the guild and caller, the catalogue and the store (voices Parrot made). */
export type VoicePickContext = Pick<CommandContext, 'interaction' | 'catalogue' | 'store'>;

/**
 * A voice chosen in a command, for `forUserId` (null: the server's voice or a voice per language): a voice Parrot
 * made when the rules of madeVoiceChoice let this chooser have it, else a voice of the catalogue.
 */
export function pickVoice(ctx: VoicePickContext, voiceId: string, forUserId: string | null): { ok: true; voiceId: string } | { ok: false; message: string } {
  return madeVoiceChoice(ctx.store, ctx.interaction.guildId, voiceId, forUserId) ?? checkVoice(ctx.catalogue, voiceId);
}

/** Checks a voice id against the catalogue (case-insensitive match accepted, canonical id returned). */
export function checkVoice(catalogue: VoiceCatalogue, voiceId: string): { ok: true; voiceId: string } | { ok: false; message: string } {
  // Exact first: some real MiniMax ids carry spaces, even a trailing one.
  const wanted = voiceId.trim().toLowerCase();
  const found = catalogue.get(voiceId) ?? catalogue.list().find((v) => v.voiceId.trim().toLowerCase() === wanted);
  if (found) return { ok: true, voiceId: found.voiceId };
  return { ok: false, message: `I don't know the voice "${literal(voiceId.trim().slice(0, 100))}". Pick one from the list as you type, or see /voice list. Nothing was changed.` };
}

/** Applies a patch to a profile (null clears a field), without storing it. */
export function applyPatch(profile: VoiceProfile, patch: VoiceProfilePatch): VoiceProfile {
  const out: Record<string, unknown> = { ...profile };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}

/** MiniMax's field names in validation messages, as the options are called. */
const FIELD_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/^vol\b/, 'volume'],
  [/^voiceId\b/, 'voice'],
  [/^languageBoost\b/, 'language'],
];

/** Validates the voice that would be spoken with; returns a message naming the field and its range, or null. */
export function validateVoice(voice: ResolvedVoice): string | null {
  const settings: TaskSettings = {
    model: voice.model,
    voice: { voiceId: voice.voiceId, speed: voice.speed, vol: voice.volume, pitch: voice.pitch },
  };
  if (voice.emotion !== undefined) settings.voice.emotion = voice.emotion;
  if (voice.languageBoost !== undefined) settings.languageBoost = voice.languageBoost;
  try {
    validateTaskSettings(settings);
    return null;
  } catch (error) {
    if (!(error instanceof T2AError) || error.code !== 'validation') throw error;
    let message = error.message;
    for (const [pattern, name] of FIELD_NAMES) message = message.replace(pattern, name);
    return `${message}. Nothing was changed.`;
  }
}

const LABELS: ReadonlyArray<[keyof ResolvedVoice, string]> = [
  ['voiceId', 'voice'],
  ['model', 'model'],
  ['speed', 'speed'],
  ['volume', 'volume'],
  ['pitch', 'pitch'],
  ['emotion', 'emotion'],
  ['languageBoost', 'language'],
];

/** One line per field of the resolved voice, marking where each value comes from. */
export function describeVoice(resolved: ResolvedVoice, own: VoiceProfile, ownLabel: string): string {
  return LABELS.map(([key, label]) => {
    const value = resolved[key];
    const source = own[key] !== undefined ? ownLabel : 'inherited';
    // Only the voice id is free text (from the catalogue); the other fields are validated numbers and names.
    const shown = key === 'voiceId' ? codeSpan(String(value)) : String(value);
    return `${label}: ${value === undefined ? 'none' : shown}${value === undefined ? '' : ` (${source})`}`;
  }).join('\n');
}

/** The resolved voice of a guild (server layer only) or a member (member over server). */
export function resolvedFor(config: BotConfig, server: VoiceProfile, member?: VoiceProfile): ResolvedVoice {
  return resolveVoice(voiceDefaults(config), server, member);
}

/**
 * Autocomplete for the `voice` and `language` options. Voices: first the made voices the caller may choose here
 * (for /voice, the server's; otherwise the caller's own and those the server uses), then the catalogue's.
 */
export async function autocompleteVoiceOptions({ interaction, catalogue, store }: AutocompleteContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const query = focused.value.trim();
  let choices: ApplicationCommandOptionChoiceData<string>[] = [];
  if (focused.name === 'voice') {
    const forUserId = interaction.commandName === 'voice' ? null : interaction.user.id;
    const q = query.toLowerCase();
    const made = madeVoicesFor(store, interaction.guildId, forUserId)
      .filter((v) => v.voiceId.length <= 100 && (v.voiceId.toLowerCase().includes(q) || v.description.toLowerCase().includes(q)))
      .map((v) => ({ name: madeVoiceLabel(v, forUserId), value: v.voiceId }));
    const listed = catalogue
      .search(query, MAX_CHOICES)
      .filter((v) => v.voiceId.length <= 100)
      .map((v) => ({ name: choiceName(v.name && v.name !== v.voiceId ? `${v.name} (${v.voiceId})` : v.voiceId), value: v.voiceId }));
    choices = [...made, ...listed].slice(0, MAX_CHOICES);
  } else if (focused.name === 'language') {
    const q = query.toLowerCase();
    choices = LANGUAGE_BOOSTS.filter((l) => l.toLowerCase().includes(q)).slice(0, MAX_CHOICES).map((l: LanguageBoost) => ({ name: l, value: l }));
  }
  await interaction.respond(choices);
}

function choiceName(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 99)}…`;
}
