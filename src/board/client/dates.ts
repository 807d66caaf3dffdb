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

/** Where an unfinished task's due date stands today: past it, on it, or neither (no date, a later one, or done). */
export type DueState = 'overdue' | 'today' | null;

export function dueState(due: string | null | undefined, done: boolean, today = localToday()): DueState {
  if (!due || done) return null;
  return due < today ? 'overdue' : due === today ? 'today' : null;
}

/** The due date in words, as cards show it: "Overdue: due May 1, 2024", "Due today", "Due May 1, 2024". */
export function dueWords(due: string, state: DueState): string {
  if (state === 'today') return 'Due today';
  return state === 'overdue' ? `Overdue: due ${showDate(due)}` : `Due ${showDate(due)}`;
}
