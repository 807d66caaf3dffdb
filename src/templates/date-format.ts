// Django's date format strings ("Y", "N j, Y", "D, d M Y H:i"), so the
// book's `{% now 'Y' %}` reads the same as `{{ now('Y') }}` here.
// Backslash escapes a letter; characters that are not format letters are kept.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS_AP = ['Jan.', 'Feb.', 'March', 'April', 'May', 'June', 'July', 'Aug.', 'Sept.', 'Oct.', 'Nov.', 'Dec.'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const hour12 = (d: Date): number => d.getHours() % 12 || 12;
const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function ordinalSuffix(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th';
}

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the first Thursday). */
function isoWeek(d: Date): { year: number; week: number } {
  const thursday = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate() + 3 - ((d.getDay() + 6) % 7)));
  const year = thursday.getUTCFullYear();
  return { year, week: Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 604_800_000) + 1 };
}

function utcOffset(d: Date, separator: string): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  return sign + pad(Math.floor(Math.abs(minutes) / 60)) + separator + pad(Math.abs(minutes) % 60);
}

/** "1 a.m.", "1:30 p.m.", "midnight", "noon": Django's P. */
function friendlyTime(d: Date): string {
  if (d.getMinutes() === 0 && d.getHours() === 0) return 'midnight';
  if (d.getMinutes() === 0 && d.getHours() === 12) return 'noon';
  const minutes = d.getMinutes() ? `:${pad(d.getMinutes())}` : '';
  return `${hour12(d)}${minutes} ${d.getHours() < 12 ? 'a.m.' : 'p.m.'}`;
}

const FORMATS: Record<string, (d: Date) => string> = {
  a: (d) => (d.getHours() < 12 ? 'a.m.' : 'p.m.'),
  A: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  b: (d) => MONTHS[d.getMonth()]!.slice(0, 3).toLowerCase(),
  c: (d) => `${formatDate(d, 'Y-m-d')}T${formatDate(d, 'H:i:s.u')}${utcOffset(d, ':')}`,
  d: (d) => pad(d.getDate()),
  D: (d) => DAYS[d.getDay()]!.slice(0, 3),
  E: (d) => MONTHS[d.getMonth()]!,
  F: (d) => MONTHS[d.getMonth()]!,
  g: (d) => String(hour12(d)),
  G: (d) => String(d.getHours()),
  h: (d) => pad(hour12(d)),
  H: (d) => pad(d.getHours()),
  i: (d) => pad(d.getMinutes()),
  j: (d) => String(d.getDate()),
  l: (d) => DAYS[d.getDay()]!,
  L: (d) => (isLeapYear(d.getFullYear()) ? 'True' : 'False'),
  m: (d) => pad(d.getMonth() + 1),
  M: (d) => MONTHS[d.getMonth()]!.slice(0, 3),
  n: (d) => String(d.getMonth() + 1),
  N: (d) => MONTHS_AP[d.getMonth()]!,
  o: (d) => String(isoWeek(d).year),
  O: (d) => utcOffset(d, ''),
  P: friendlyTime,
  r: (d) => formatDate(d, 'D, j M Y H:i:s O'),
  s: (d) => pad(d.getSeconds()),
  S: (d) => ordinalSuffix(d.getDate()),
  t: (d) => String(new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate()),
  T: (d) => new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '',
  u: (d) => pad(d.getMilliseconds() * 1000, 6),
  U: (d) => String(Math.floor(d.getTime() / 1000)),
  w: (d) => String(d.getDay()),
  W: (d) => String(isoWeek(d).week),
  y: (d) => pad(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  z: (d) => String(dayOfYear(d)),
  Z: (d) => String(-d.getTimezoneOffset() * 60),
};

/** Django's default DATE_FORMAT: "Nov. 5, 2025". */
export const DEFAULT_DATE_FORMAT = 'N j, Y';

export function formatDate(date: Date, format: string = DEFAULT_DATE_FORMAT): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '\\' && i + 1 < format.length) out += format[++i];
    else out += FORMATS[ch]?.(date) ?? ch;
  }
  return out;
}
