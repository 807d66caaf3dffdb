// Dates for templates, in one place: now() and the `date` filter format with
// Django's letters ("Y", "N j, Y", "D, d M Y H:i"), so the book's
// `{% now 'Y' %}` reads the same as `{{ now('Y') }}` here, or with the
// Moment/Day.js tokens Eleventy and Hugo users know ("D MMMM YYYY"), or
// "rfc3339". Backslash escapes a letter; characters that are not format
// letters are kept. Page dates are parsed here too, and shown in UTC.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS_AP = ['Jan.', 'Feb.', 'March', 'April', 'May', 'June', 'July', 'Aug.', 'Sept.', 'Oct.', 'Nov.', 'Dec.'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** A date's calendar and clock fields, in local time (now()) or in UTC (page dates, the same on every machine). */
interface Fields {
  date: Date;
  year: number;
  month: number;
  day: number;
  weekday: number;
  hours: number;
  minutes: number;
  seconds: number;
  ms: number;
  /** Minutes east of UTC. */
  offset: number;
  utc: boolean;
}

function fieldsOf(date: Date, utc: boolean): Fields {
  if (utc) {
    return {
      date, utc, offset: 0,
      year: date.getUTCFullYear(), month: date.getUTCMonth(), day: date.getUTCDate(), weekday: date.getUTCDay(),
      hours: date.getUTCHours(), minutes: date.getUTCMinutes(), seconds: date.getUTCSeconds(), ms: date.getUTCMilliseconds(),
    };
  }
  return {
    date, utc, offset: -date.getTimezoneOffset(),
    year: date.getFullYear(), month: date.getMonth(), day: date.getDate(), weekday: date.getDay(),
    hours: date.getHours(), minutes: date.getMinutes(), seconds: date.getSeconds(), ms: date.getMilliseconds(),
  };
}

const hour12 = (d: Fields): number => d.hours % 12 || 12;

function ordinalSuffix(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th';
}

function dayOfYear(d: Fields): number {
  return Math.round((Date.UTC(d.year, d.month, d.day) - Date.UTC(d.year, 0, 1)) / 86_400_000) + 1;
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the first Thursday). */
function isoWeek(d: Fields): { year: number; week: number } {
  const thursday = new Date(Date.UTC(d.year, d.month, d.day + 3 - ((d.weekday + 6) % 7)));
  const year = thursday.getUTCFullYear();
  return { year, week: Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 604_800_000) + 1 };
}

function utcOffset(d: Fields, separator: string): string {
  const sign = d.offset < 0 ? '-' : '+';
  return sign + pad(Math.floor(Math.abs(d.offset) / 60)) + separator + pad(Math.abs(d.offset) % 60);
}

/** "1 a.m.", "1:30 p.m.", "midnight", "noon": Django's P. */
function friendlyTime(d: Fields): string {
  if (d.minutes === 0 && d.hours === 0) return 'midnight';
  if (d.minutes === 0 && d.hours === 12) return 'noon';
  const minutes = d.minutes ? `:${pad(d.minutes)}` : '';
  return `${hour12(d)}${minutes} ${d.hours < 12 ? 'a.m.' : 'p.m.'}`;
}

const format = (d: Fields, letters: string) => formatFields(d, letters);

const FORMATS: Record<string, (d: Fields) => string> = {
  a: (d) => (d.hours < 12 ? 'a.m.' : 'p.m.'),
  A: (d) => (d.hours < 12 ? 'AM' : 'PM'),
  b: (d) => MONTHS[d.month]!.slice(0, 3).toLowerCase(),
  c: (d) => `${format(d, 'Y-m-d')}T${format(d, 'H:i:s.u')}${utcOffset(d, ':')}`,
  d: (d) => pad(d.day),
  D: (d) => DAYS[d.weekday]!.slice(0, 3),
  E: (d) => MONTHS[d.month]!,
  F: (d) => MONTHS[d.month]!,
  g: (d) => String(hour12(d)),
  G: (d) => String(d.hours),
  h: (d) => pad(hour12(d)),
  H: (d) => pad(d.hours),
  i: (d) => pad(d.minutes),
  j: (d) => String(d.day),
  l: (d) => DAYS[d.weekday]!,
  L: (d) => (isLeapYear(d.year) ? 'True' : 'False'),
  m: (d) => pad(d.month + 1),
  M: (d) => MONTHS[d.month]!.slice(0, 3),
  n: (d) => String(d.month + 1),
  N: (d) => MONTHS_AP[d.month]!,
  o: (d) => String(isoWeek(d).year),
  O: (d) => utcOffset(d, ''),
  P: friendlyTime,
  r: (d) => format(d, 'D, j M Y H:i:s O'),
  s: (d) => pad(d.seconds),
  S: (d) => ordinalSuffix(d.day),
  t: (d) => String(new Date(Date.UTC(d.year, d.month + 1, 0)).getUTCDate()),
  T: (d) => (d.utc ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d.date).find((p) => p.type === 'timeZoneName')?.value ?? '')),
  u: (d) => pad(d.ms * 1000, 6),
  U: (d) => String(Math.floor(d.date.getTime() / 1000)),
  w: (d) => String(d.weekday),
  W: (d) => String(isoWeek(d).week),
  y: (d) => pad(d.year % 100),
  Y: (d) => String(d.year),
  z: (d) => String(dayOfYear(d)),
  Z: (d) => String(d.offset * 60),
};

/**
 * Moment/Day.js tokens (as Eleventy and Hugo users write them), each with
 * the Django letters it means; text in [brackets] is kept as written.
 */
const TOKENS: Record<string, string> = {
  YYYY: 'Y', YY: 'y', MMMM: 'F', MMM: 'M', MM: 'm', M: 'n', Do: 'jS', DD: 'd', D: 'j', dddd: 'l', ddd: 'D',
  HH: 'H', H: 'G', hh: 'h', h: 'g', mm: 'i', ss: 's', A: 'A', a: 'a',
};
const TOKEN = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|HH|H|hh|h|mm|ss|A|a|([\s\S])/g;
/** A format in tokens: one with a doubled letter Django's letters never double (YYYY, MMMM, DD, mm). */
const TOKEN_STYLE = /YY|MM|DD|dd|HH|hh|mm|ss|Do/;

/** Django letters for a token format ("D MMMM YYYY" is "j F Y"); anything else is kept as written. */
function djangoLetters(tokens: string): string {
  const escape = (text: string) => text.replace(/[A-Za-z\\]/g, (ch) => `\\${ch}`);
  return tokens.replace(TOKEN, (token, bracketed: string | undefined, other: string | undefined) => {
    if (bracketed !== undefined) return escape(bracketed);
    if (other !== undefined) return escape(other);
    return TOKENS[token]!;
  });
}

/** Named formats: rfc3339 ("2026-03-01T00:00:00Z") is what Atom feeds and <time datetime> want. */
const NAMED: Record<string, (d: Fields) => string> = {
  rfc3339: (d) => `${format(d, 'Y-m-d')}T${format(d, 'H:i:s')}${d.offset === 0 ? 'Z' : utcOffset(d, ':')}`,
};

function formatFields(d: Fields, letters: string): string {
  let out = '';
  for (let i = 0; i < letters.length; i++) {
    const ch = letters[i]!;
    if (ch === '\\' && i + 1 < letters.length) out += letters[++i];
    else out += FORMATS[ch]?.(d) ?? ch;
  }
  return out;
}

/** Django's default DATE_FORMAT: "Nov. 5, 2025". */
export const DEFAULT_DATE_FORMAT = 'N j, Y';

/**
 * `date` in `format`: Django's letters ("N j, Y"), Moment/Day.js tokens
 * ("D MMMM YYYY"), or a named format ("rfc3339"). Local time unless `utc`.
 */
export function formatDate(date: Date, format: string = DEFAULT_DATE_FORMAT, { utc = false } = {}): string {
  const fields = fieldsOf(date, utc);
  const named = NAMED[format];
  if (named) return named(fields);
  return formatFields(fields, TOKEN_STYLE.test(format) ? djangoLetters(format) : format);
}

/**
 * A page's date. Shown as written in a template ({{ date }} is "2026-03-01",
 * or RFC 3339 with a time), never in this machine's time zone.
 */
export class PageDate extends Date {
  override toString(): string {
    const fields = fieldsOf(this, true);
    return fields.hours || fields.minutes || fields.seconds || fields.ms ? NAMED.rfc3339!(fields) : formatFields(fields, 'Y-m-d');
  }
}

/**
 * A page's date as a Date: a Date (YAML timestamps), "YYYY-MM-DD" (midnight
 * UTC) or ISO 8601 with a time ("2026-03-01T09:30:00+01:00"); null for none,
 * undefined for a value that is no date.
 */
export function parseDate(value: unknown): PageDate | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new PageDate(value.getTime());
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const date = new PageDate(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    return date.getUTCDate() === Number(day[3]) ? date : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i.test(text)) return undefined;
  // Without a zone, a time is UTC: the same instant on every machine.
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const date = new PageDate(zoned.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
