/**
 * Discord markdown -> plain words: block quotes, headings, subtext, list bullets, emphasis markers, escapes.
 * Runs after Discord tokens (code, spoilers, links, mentions) were replaced, so what is left is prose.
 */

const BLOCK_PREFIXES = [/^ *(?:>>> |> )/, /^ *(?:#{1,3}|-#) +/, /^ *[-*+•] +/];
const ESCAPE = /\\([^\p{L}\p{N}\s])/gu;
const STRIKE = /~~+/g;
const STARS = /\*+/g;
const UNDERSCORES = /_+/g;
const LEFTOVER = /`+|\|+/g;
/** '@' starting a word: "@Bob" is read "Bob", not "at Bob"; e-mail addresses keep theirs. */
const AT_SIGN = /(?<![\p{L}\p{N}_.])@(?=[\p{L}\p{N}_])/gu;
const ENDS_IN_WORD = /[\p{L}\p{N}\p{M})\]"'”’]$/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isDigitAround(text: string, before: number, after: number): boolean {
  const prev = text.charAt(before) === ' ' ? text.charAt(before - 1) : text.charAt(before);
  const next = text.charAt(after) === ' ' ? text.charAt(after + 1) : text.charAt(after);
  return /\d/.test(prev) && /\d/.test(next);
}

/** Removes the markers inside one line. */
function stripInline(line: string): string {
  return line
    .replace(ESCAPE, '$1')
    .replace(STRIKE, '')
    .replace(STARS, (run: string, offset: number, whole: string) =>
      // "2*3" and "2 * 3" keep their star (a multiplication); every other run is emphasis.
      run.length === 1 && isDigitAround(whole, offset - 1, offset + 1) ? run : '',
    )
    .replace(UNDERSCORES, (run: string, offset: number, whole: string) =>
      // snake_case reads as two words; _italic_ and __underline__ markers go.
      WORD_CHAR.test(whole.charAt(offset - 1)) && WORD_CHAR.test(whole.charAt(offset + run.length)) ? ' ' : '',
    )
    .replace(LEFTOVER, ' ')
    .replace(AT_SIGN, '');
}

/** Removes the line-start markers (quote, heading, subtext, bullet) of one line. */
function stripBlock(line: string): string {
  let out = line;
  for (const prefix of BLOCK_PREFIXES) out = out.replace(prefix, '');
  return out;
}

/**
 * Strips markdown and joins the lines into one line of speech. A line that ends in a word gets a full stop so
 * the voice pauses where the writer broke the line (and the sentence splitter sees a boundary).
 */
export function stripMarkdown(text: string): string {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = stripInline(stripBlock(raw)).trim();
    if (line !== '') lines.push(line);
  }
  return lines.map((line, i) => (i < lines.length - 1 && ENDS_IN_WORD.test(line) ? `${line}.` : line)).join(' ');
}
