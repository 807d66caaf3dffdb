// The API's dates are calendar dates (`YYYY-MM-DD`), not instants. They are
// read and shown in the person's own time zone: `new Date('2024-05-01')` would
// be UTC midnight, the evening before west of Greenwich.

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of a local date. */
export function isoDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Today, `days` away (negative for the past), as `YYYY-MM-DD`. */
export function localToday(days = 0): string {
  const date = new Date();
  date.setDate(date.getDate() + days);
  return isoDate(date);
}

/** A `YYYY-MM-DD` for people, e.g. "May 1, 2024"; anything else is shown as it came. */
export function showDate(value: string | null | undefined): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  if (!match) return value ?? '';
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
