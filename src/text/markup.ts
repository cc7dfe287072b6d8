/**
 * MiniMax's in-text syntax: pause markers `<#0.5#>` and speech-2.8 interjection tags such as `(laughs)`.
 * Unless a server allows it, users (and dictionary entries, and display names) must not be able to send either.
 */

/** Interjection tags documented for speech-2.8 (any parenthesised single word is neutralised, not just these). */
export const INTERJECTION_TAGS: readonly string[] = [
  'laughs', 'chuckle', 'coughs', 'clear-throat', 'groans', 'breath', 'pant', 'inhale', 'exhale', 'gasps', 'sniffs',
  'sighs', 'snorts', 'burps', 'lip-smacking', 'humming', 'hissing', 'emm', 'sneezes',
];

/** Shortest and longest pause MiniMax accepts, in seconds. */
export const MIN_PAUSE_SECONDS = 0.01;
export const MAX_PAUSE_SECONDS = 99.99;

/** Anything shaped like a pause marker, valid or not. */
const MARKER_LIKE = /<#[^<>#\n]{0,24}#>/g;
/** A word that might be an interjection tag once its parentheses are gone. */
const WORD = /\p{L}[\p{L}\p{M}\p{N}'-]*/gu;

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\n';
}

/**
 * Removes every run of '#' that touches '<' or '>', so no `<#` or `#>` is left. Removing a whole run can only
 * bring two non-'#' characters together, so no new pair can appear. Linear, no regex backtracking.
 */
function breakAngleHashes(text: string): string {
  if (!text.includes('#')) return text;
  const out: string[] = [];
  let previous = '';
  let i = 0;
  while (i < text.length) {
    const isHash = text.charAt(i) === '#';
    let j = i;
    while (j < text.length && (text.charAt(j) === '#') === isHash) j++;
    if (!isHash || (previous !== '<' && text.charAt(j) !== '>')) {
      out.push(text.slice(i, j));
      previous = text.charAt(j - 1);
    }
    i = j;
  }
  return out.join('');
}

/**
 * Replaces with spaces the parentheses around any single word, e.g. `(laughs)`, `( Sighs )`, `((gasps))`, so
 * tags (today's list and future ones) read as plain words. Parentheses are silent in speech, so nothing audible
 * is lost. Each word walks only the spaces and parentheses next to it, which keeps this linear.
 */
function unwrapParenthesisedWords(text: string): string {
  if (!text.includes('(') || !text.includes(')')) return text;
  const remove: number[] = [];
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    const end = start + match[0].length;
    let left = start - 1;
    let opens = 0;
    while (left >= 0 && (text.charAt(left) === '(' || isSpace(text.charAt(left)))) {
      if (text.charAt(left) === '(') opens++;
      left--;
    }
    let right = end;
    let closes = 0;
    while (right < text.length && (text.charAt(right) === ')' || isSpace(text.charAt(right)))) {
      if (text.charAt(right) === ')') closes++;
      right++;
    }
    if (opens === 0 || closes === 0) continue;
    for (let k = left + 1; k < start; k++) if (text.charAt(k) === '(') remove.push(k);
    for (let k = end; k < right; k++) if (text.charAt(k) === ')') remove.push(k);
  }
  if (remove.length === 0) return text;
  const chars = text.split('');
  for (const index of remove) chars[index] = ' ';
  return chars.join('');
}

/** Makes user text inert for MiniMax: pause markers removed, stray `<#`/`#>` broken, `(word)` unwrapped. */
export function neutraliseMarkup(text: string): string {
  return unwrapParenthesisedWords(breakAngleHashes(text.replace(MARKER_LIKE, ' ')));
}

function pauseSeconds(marker: string): number | undefined {
  const body = marker.slice(2, -2).trim();
  if (!/^\d{1,3}(?:\.\d{1,3})?$|^\.\d{1,3}$/.test(body)) return undefined;
  const seconds = Math.round(Number(body) * 100) / 100;
  return Math.min(MAX_PAUSE_SECONDS, Math.max(MIN_PAUSE_SECONDS, seconds));
}

/**
 * For servers that allow markup: keeps valid pause markers in MiniMax's rules (value clamped to 0.01..99.99,
 * written canonically, only between two speakable pieces, never two in a row) and interjection tags as typed;
 * malformed markers are removed and stray `<#`/`#>` broken as in neutraliseMarkup.
 */
export function normaliseMarkup(text: string): string {
  const pieces: string[] = [];
  let pendingPause: number | undefined;
  let spoken = false;
  let last = 0;
  const flushText = (segment: string): void => {
    const safe = breakAngleHashes(segment);
    if (safe.trim() === '') {
      pieces.push(safe);
      return;
    }
    if (pendingPause !== undefined && spoken) pieces.push(` <#${String(pendingPause)}#> `);
    pendingPause = undefined;
    spoken = true;
    pieces.push(safe);
  };
  for (const match of text.matchAll(MARKER_LIKE)) {
    flushText(text.slice(last, match.index));
    last = match.index + match[0].length;
    const seconds = pauseSeconds(match[0]);
    if (seconds !== undefined) pendingPause = Math.max(pendingPause ?? 0, seconds);
    else pieces.push(' ');
  }
  flushText(text.slice(last));
  return pieces.join('');
}

/** True when `text` holds MiniMax syntax: a pause marker, `<#`/`#>`, or a parenthesised single word. */
export function containsMarkup(text: string): boolean {
  return text.includes('<#') || text.includes('#>') || unwrapParenthesisedWords(text) !== text;
}
