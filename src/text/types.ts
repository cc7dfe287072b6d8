/** Shapes shared by the text cleaner's modules. Plain data: the bot edge builds them from discord.js objects. */

export type AttachmentKind = 'image' | 'video' | 'audio' | 'file';

/** A name lookup for a mention; undefined when the id is unknown (deleted user, role or channel). Must not throw. */
export type NameResolver = (id: string) => string | undefined;

/** A Discord message reduced to what the cleaner needs. */
export interface MessageInput {
  /** The raw message content, markdown and mention syntax included. */
  content: string;
  attachments?: readonly { kind: AttachmentKind }[];
  stickers?: readonly { name: string }[];
  /** User id -> display name (member nickname, else global name, else username). */
  resolveUser?: NameResolver;
  resolveRole?: NameResolver;
  resolveChannel?: NameResolver;
}

/** A word replacement (same shape as the store's DictionaryEntry). */
export interface DictionaryEntry {
  from: string;
  to: string;
}

/** A dictionary prepared for repeated use (see compileDictionary). */
export interface CompiledDictionary {
  /** Number of entries in use (after validation, de-duplication and the cap). */
  readonly size: number;
  /** `text` with every entry replaced, in one pass. */
  apply(text: string): string;
}

export interface CleanOptions {
  /** Most code points to speak; longer text is cut at a word boundary and ends with ", and more". */
  maxLength: number;
  /** Drop every emoji (Unicode and custom) instead of naming it. */
  skipEmoji: boolean;
  /** Most repeats of one character (or 2-3 letter group) in a row; 0 turns capping off. */
  repeatedCharacterCap: number;
  /** Let pause markers `<#0.5#>` and `(laughs)`-style tags through to MiniMax. Default false. */
  allowSpecialMarkup?: boolean;
  /**
   * The server's word replacements, applied once after mentions are resolved. Pass the result of
   * compileDictionary to avoid rebuilding the matcher (about 10 ms for 200 entries) on every message; it must
   * have been compiled with the same allowSpecialMarkup.
   */
  dictionary?: readonly DictionaryEntry[] | CompiledDictionary;
  /** Current time (ms since the epoch) for relative timestamps. */
  now?: number;
  /** IANA zone timestamps are read in; default 'UTC'. */
  timeZone?: string;
}
