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

/** What a burndown counts: tasks, or their story points (a task without points counts 0). */
export type BurndownUnit = 'tasks' | 'points';

export interface Burndown {
  sprint: number;
  by: BurndownUnit;
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
export function burndown(sprint: number, days: string[], entries: Placement[], today: string, by: BurndownUnit = 'tasks'): BurndownDay[] {
  const where = new Map<number, { sprint: number | null; status: number; points: number | null }>();
  let next = 0;
  const counted: Array<Omit<BurndownDay, 'ideal'>> = [];
  let latest = { total: 0, remaining: 0, completed: 0 };
  for (const date of days) {
    if (date <= today || counted.length === 0 || counted.at(-1)!.remaining !== null) {
      const boundary = endOfLocalDay(date <= today ? date : today).toISOString();
      for (; next < entries.length && entries[next]!.at < boundary; next++) {
        const entry = entries[next]!;
        if (entry.removed) where.delete(entry.task);
        else where.set(entry.task, { sprint: entry.sprint, status: entry.status, points: entry.points });
      }
      latest = { total: 0, remaining: 0, completed: 0 };
      for (const state of where.values()) {
        if (state.sprint !== sprint) continue;
        const weight = by === 'points' ? (state.points ?? 0) : 1;
        latest.total += weight;
        if (state.status === DONE) latest.completed += weight;
        else latest.remaining += weight;
      }
    }
    counted.push(date <= today ? { date, ...latest } : { date, total: latest.total, remaining: null, completed: null });
  }
  const first = counted[0]?.total ?? 0;
  const last = counted.length - 1;
  return counted.map((day, i) => ({ ...day, ideal: last === 0 ? 0 : Math.round((first * (last - i) * 100) / last) / 100 }));
}

/** One sprint's velocity: the points in it at the end of its first day, and those Done at the end of its last day (or today). */
export interface SprintVelocity {
  sprint: number;
  name: string;
  start: string;
  end: string;
  committed: number;
  completed: number;
  /** False for the sprint under way: its `completed` is so far. */
  finished: boolean;
}

/** The velocity of a sprint from its burndown by points. */
export function velocity(sprint: { id: number; name: string }, days: BurndownDay[], today: string): SprintVelocity {
  const first = days[0]!;
  const last = days.at(-1)!;
  const lastCounted = days.findLast((day) => day.completed !== null);
  return {
    sprint: sprint.id,
    name: sprint.name,
    start: first.date,
    end: last.date,
    committed: first.total,
    completed: lastCounted?.completed ?? 0,
    finished: last.date < today,
  };
}
