/**
 * Discord timestamps `<t:seconds:style>` -> words. Discord shows them in each viewer's time zone; a voice has one
 * audience, so they are read in the configured zone (UTC by default) and the zone is named.
 */

/** What a timestamp is read as when it cannot be formatted. */
export const UNKNOWN_TIME = 'a time';

export interface TimeContext {
  /** The current time (ms since the epoch), for relative timestamps (`:R`); without it they read as dates. */
  now?: number;
  /** IANA time zone for absolute timestamps; default 'UTC'. */
  timeZone?: string;
}

const STYLE_OPTIONS: Record<string, Intl.DateTimeFormatOptions> = {
  t: { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
  T: { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' },
  d: { year: 'numeric', month: 'long', day: 'numeric' },
  D: { year: 'numeric', month: 'long', day: 'numeric' },
  f: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
  F: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
};

const RELATIVE_UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
/** Formatters by zone and style; bounded so arbitrary zone strings cannot grow it. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 32;
const ODD_SPACE = /\p{Zs}/gu;
/** Largest |ms| a Date can hold. */
const MAX_DATE_MS = 8.64e15;

function formatter(timeZone: string, style: string): Intl.DateTimeFormat | undefined {
  const key = `${timeZone}\u0000${style}`;
  let format = formatters.get(key);
  if (format !== undefined) return format;
  try {
    format = new Intl.DateTimeFormat('en-US', { ...STYLE_OPTIONS[style], timeZone });
  } catch (error) {
    // An unknown time zone is a configuration mistake; the message must still be read.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (formatters.size >= MAX_FORMATTERS) formatters.clear();
  formatters.set(key, format);
  return format;
}

function speakRelative(diffMs: number): string {
  const size = Math.abs(diffMs);
  for (const [unit, unitMs] of RELATIVE_UNITS) {
    if (size >= unitMs) return relative.format(Math.round(diffMs / unitMs), unit);
  }
  return relative.format(0, 'second');
}

/** Words for a Discord timestamp of `seconds` since the epoch in `style` (t T d D f F R; default f). */
export function speakTimestamp(seconds: number, style: string | undefined, context: TimeContext = {}): string {
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return UNKNOWN_TIME;
  let words: string | undefined;
  if (style === 'R' && context.now !== undefined && Number.isFinite(context.now)) words = speakRelative(ms - context.now);
  else {
    const chosen = style !== undefined && Object.hasOwn(STYLE_OPTIONS, style) ? style : 'f';
    words = formatter(context.timeZone ?? 'UTC', chosen)?.format(ms);
  }
  // ICU puts narrow no-break spaces before AM/PM.
  return words === undefined ? UNKNOWN_TIME : words.replace(ODD_SPACE, ' ');
}
