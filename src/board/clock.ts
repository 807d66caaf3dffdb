// The board's idea of now: history entries are stamped with it, and "today"
// (for validation, a sprint's created day, the burndown) is its date in the
// server's time zone. One mutable clock per store, so tests can set the time.

export interface Clock {
  now(): Date;
}

export const systemClock = (): Clock => ({ now: () => new Date() });

const pad = (n: number): string => String(n).padStart(2, '0');

/** YYYY-MM-DD of the instant in the server's time zone, as Django's date.today(). */
export function localDate(instant: Date): string {
  return `${String(instant.getFullYear()).padStart(4, '0')}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}`;
}

/** The instant the local day after `date` (YYYY-MM-DD) begins: everything before it happened by the end of `date`. */
export function endOfLocalDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const end = new Date(year, month - 1, day + 1);
  // Years 0-99 are taken as 1900-1999 by the constructor.
  end.setFullYear(year, month - 1, day + 1);
  return end;
}

/** The local date `days` after `date`. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(year, month - 1, day + days, 12);
  next.setFullYear(year, month - 1, day + days);
  return localDate(next);
}
