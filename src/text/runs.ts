/**
 * Capping repeated characters ("noooooo" -> "nooo") and repeated short groups ("hahahahaha" -> "hahaha", "?!?!?!?!" ->
 * "?!?!?!").
 * Digits are never capped: "1000000" is a number, not a flood.
 */

/** Smallest cap applied: a cap of 1 would turn "hello" into "helo". */
export const MIN_REPEAT_CAP = 2;

const CHAR_RUN = /([^\p{N}])\1+/gu;
const unitRuns = new Map<number, RegExp>();

function unitRun(cap: number): RegExp {
  let regex = unitRuns.get(cap);
  if (regex === undefined) {
    regex = new RegExp(`([^\\p{N}\\s]{2,3}?)\\1{${String(cap)},}`, 'gu');
    unitRuns.set(cap, regex);
  }
  return regex;
}

/**
 * Keeps at most `cap` copies of a character repeated in a row, then at most `cap` copies of a 2-3 character group
 * repeated in a row. `cap` 0 (or less) disables capping; 1 is raised to MIN_REPEAT_CAP.
 */
export function capRepeats(text: string, cap: number): string {
  if (!(cap > 0)) return text;
  const limit = Math.max(MIN_REPEAT_CAP, Math.floor(cap));
  const chars = text.replace(CHAR_RUN, (run: string, char: string) => (run.length > limit * char.length ? char.repeat(limit) : run));
  // The group pattern is built for `limit`, so every match is longer than the cap and is cut to `limit` groups.
  return limit > 50 ? chars : chars.replace(unitRun(limit), (_run: string, unit: string) => unit.repeat(limit));
}
