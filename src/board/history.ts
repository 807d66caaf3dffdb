// What a sprint's burndown is, computed from its tasks' history: replay each
// task's entries up to the end of each day (server time) and count where the
// tasks stood. Plain data in and out, no database, so the rule is tested on
// its own and the route only loads and answers.
import { addDays, endOfLocalDay } from './clock.ts';
import type { Placement } from './store.ts';

const DONE = 4;
/** Longer sprints are refused: one entry per day must stay a reasonable answer. */
export const MAX_BURNDOWN_DAYS = 1000;

export interface BurndownDay {
  date: string;
  total: number;
  /** Null for days after today. */
  remaining: number | null;
  completed: number | null;
  ideal: number;
}

export interface Burndown {
  sprint: number;
  start: string;
  end: string;
  days: BurndownDay[];
}

/** The days from `start` to `end` inclusive; null if there are more than MAX_BURNDOWN_DAYS. */
export function daysBetween(start: string, end: string): string[] | null {
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    if (days.length === MAX_BURNDOWN_DAYS) return null;
    days.push(day);
  }
  return days;
}

/**
 * The burndown of sprint `sprint` over `days`, from where each write left
 * every task that is or was in it, oldest first. `today` ends the days that have
 * happened; later ones count only the total (the tasks in it now).
 */
export function burndown(sprint: number, days: string[], entries: Placement[], today: string): BurndownDay[] {
  const where = new Map<number, { sprint: number | null; status: number }>();
  let next = 0;
  const counted: Array<Omit<BurndownDay, 'ideal'>> = [];
  let latest = { total: 0, remaining: 0, completed: 0 };
  for (const date of days) {
    if (date <= today || counted.length === 0 || counted.at(-1)!.remaining !== null) {
      const boundary = endOfLocalDay(date <= today ? date : today).toISOString();
      for (; next < entries.length && entries[next]!.at < boundary; next++) {
        const entry = entries[next]!;
        if (entry.removed) where.delete(entry.task);
        else where.set(entry.task, { sprint: entry.sprint, status: entry.status });
      }
      latest = { total: 0, remaining: 0, completed: 0 };
      for (const state of where.values()) {
        if (state.sprint !== sprint) continue;
        latest.total++;
        if (state.status === DONE) latest.completed++;
        else latest.remaining++;
      }
    }
    counted.push(date <= today ? { date, ...latest } : { date, total: latest.total, remaining: null, completed: null });
  }
  const first = counted[0]?.total ?? 0;
  const last = counted.length - 1;
  return counted.map((day, i) => ({ ...day, ideal: last === 0 ? 0 : Math.round((first * (last - i) * 100) / last) / 100 }));
}
