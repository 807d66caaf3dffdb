// Story points and WIP limits as the board shows them: a card's points, a
// column's count and sum of points, and whether the column is over the
// sprint's limit for it, in words (colour only repeats what the words say).
// Plain functions, no DOM, so the wording is tested on its own.
import type { Column } from './columns.ts';

/** The points the board offers (the API takes any whole number from 0 to 100). */
export const POINT_CHOICES = [0, 1, 2, 3, 5, 8, 13, 20, 40, 100] as const;

export const pointsText = (points: number): string => `${points} ${points === 1 ? 'point' : 'points'}`;

export interface ColumnSummary {
  /** Beside the column's count: "13 points", "4 points · limit 3", "9 points · over its WIP limit of 3". */
  text: string;
  over: boolean;
}

/** A column's count, sum of points and WIP state; `limit` is the sprint's for its status (null: none). */
export function columnSummary(points: Array<number | null | undefined>, limit: number | null | undefined): ColumnSummary {
  const sum = points.reduce<number>((total, value) => total + (value ?? 0), 0);
  const over = typeof limit === 'number' && points.length > limit;
  const wip = typeof limit === 'number' ? (over ? ` · over its WIP limit of ${limit}` : ` · limit ${limit}`) : '';
  return { text: `${pointsText(sum)}${wip}`, over };
}

/** The sprint's WIP limit for a column (the backlog has none). */
export const limitOf = (column: Column, limits: Record<string, number | null> | undefined): number | null =>
  column.inSprint ? (limits?.[String(column.status)] ?? null) : null;

/** What a move's announcement adds when it takes a column over its limit. */
export const overLimitWords = (column: Column, summary: ColumnSummary, limit: number | null): string =>
  summary.over && limit !== null ? ` ${column.title} is now over its WIP limit of ${limit}.` : '';
