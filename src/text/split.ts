/**
 * Long text -> pieces MiniMax accepts (at most 10,000 characters per task_continue), cut at sentence
 * boundaries, else word boundaries, else grapheme boundaries. Nothing is dropped: the pieces, in order, hold
 * every non-space character of the input. Lengths are UTF-16 units, never fewer than code points, so a piece
 * is within the limit however MiniMax counts.
 */
import { graphemeBoundaryBefore } from './truncate.js';

/** MiniMax's limit for one task_continue text. */
export const MAX_T2A_CHARS = 10_000;
/** Default target size of a speech chunk: short pieces make the first audio arrive sooner. */
export const DEFAULT_CHUNK_TARGET = 300;

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Length of `unit` once trailing spaces are dropped. */
function endTrimmedLength(unit: string): number {
  return unit.trimEnd().length;
}

/**
 * Concatenates consecutive raw `units` into raw pieces whose trimmed length is at most `limit` (a single unit
 * longer than `limit` becomes a piece of its own). Joining the result gives back the input exactly.
 */
function pack(units: readonly string[], limit: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let lead = 0;
  for (const unit of units) {
    if (current !== '' && current.length - lead + endTrimmedLength(unit) <= limit) {
      current += unit;
      continue;
    }
    if (current !== '') pieces.push(current);
    current = unit;
    lead = unit.length - unit.trimStart().length;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** `word` cut into raw pieces of at most `max` units, at grapheme boundaries where a grapheme fits. */
function hardCut(word: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > max) {
    const end = graphemeBoundaryBefore(rest, max);
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** `sentence` (longer than `max` once trimmed) as raw pieces of at most `max`, cut between words when possible. */
function splitLongSentence(sentence: string, max: number): string[] {
  const units: string[] = [];
  for (const { segment } of wordSegmenter.segment(sentence)) {
    if (segment.trim().length <= max) units.push(segment);
    else units.push(...hardCut(segment, max));
  }
  return pack(units, max);
}

/** Raw sentences of `text`, each longer than `max` replaced by its pieces; joined they give back `text`. */
function sentenceUnits(text: string, max: number): string[][] {
  const out: string[][] = [];
  for (const { segment } of sentenceSegmenter.segment(text)) {
    out.push(segment.trim().length <= max ? [segment] : splitLongSentence(segment, max));
  }
  return out;
}

function checkLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 2) throw new RangeError(`${name} must be an integer >= 2 (got ${String(value)})`);
}

function finish(pieces: readonly string[]): string[] {
  return pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
}

/** Every sentence of `text`, trimmed; a sentence longer than `maxChars` is split (words, then graphemes). */
export function splitSentences(text: string, maxChars: number = MAX_T2A_CHARS): string[] {
  checkLimit('maxChars', maxChars);
  return finish(sentenceUnits(text, maxChars).flat());
}

/**
 * `text` in as few pieces as possible, each at most `max` (default MiniMax's 10,000), cut between sentences
 * (else words, else graphemes). Empty or blank text gives [].
 */
export function splitForT2A(text: string, max: number = MAX_T2A_CHARS): string[] {
  return chunkForSpeech(text, max, max);
}

/**
 * `text` as pieces of whole sentences packed up to about `target` characters, for a quicker first audio. A
 * sentence longer than `target` is kept whole (prosody) unless it exceeds `max`, which no piece ever does.
 */
export function chunkForSpeech(text: string, target: number = DEFAULT_CHUNK_TARGET, max: number = MAX_T2A_CHARS): string[] {
  checkLimit('target', target);
  checkLimit('max', max);
  return finish(pack(sentenceUnits(text, max).flat(), Math.min(target, max)));
}
