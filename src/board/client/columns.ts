// The five columns of a sprint's board and where a moved task lands in one.
// Plain data and functions, no DOM, so the rules can be tested on their own.
import type { Status } from './models.ts';

export interface Column {
  key: string;
  title: string;
  status: Status;
  /** False for the backlog: tasks of no sprint. */
  inSprint: boolean;
}

export const COLUMNS: readonly Column[] = [
  { key: 'backlog', title: 'Backlog', status: 1, inSprint: false },
  { key: 'not-started', title: 'Not Started', status: 1, inSprint: true },
  { key: 'in-development', title: 'In Development', status: 2, inSprint: true },
  { key: 'in-testing', title: 'In Testing', status: 3, inSprint: true },
  { key: 'completed', title: 'Completed', status: 4, inSprint: true },
];

/** A status as the board names it everywhere (columns, details, history, announcements): its column's title. */
export const statusName = (status: number): string => COLUMNS.find((column) => column.inSprint && column.status === status)?.title ?? `status ${status}`;

export interface Placed {
  id: number;
  order: number;
  sprint: number | null;
  status: number;
}

/** The column a task shows in on this sprint's board; null for another sprint's task. */
export function columnOf(task: Placed, sprintId: number): Column | null {
  if (task.sprint === null) return COLUMNS[0]!;
  if (task.sprint !== sprintId) return null;
  return COLUMNS.find((column) => column.inSprint && column.status === task.status) ?? null;
}

/** Board order: by `order`, ties by id (as the API sorts). */
export const byOrder = (a: Placed, b: Placed): number => a.order - b.order || a.id - b.id;

/** The range of `order` (the API's), and the room a move leaves below the top or past the bottom card. */
export const ORDER_MIN = -32768;
export const ORDER_MAX = 32767;
export const SPARSE_GAP = 1024;

/** Where a moved task goes: its new order, and the card it must sit next to when there was no room for it. */
export interface Plan {
  order: number;
  /** Set when no order fits between the neighbours: the API (`?before=` / `?after=`) renumbers the column around it. */
  neighbour: { id: number; side: 'before' | 'after' } | null;
}

/**
 * Where `moved` lands when dropped before `beforeId` in a column (its tasks
 * sorted by board order), at the top when `beforeId` is null, at the bottom
 * for 'end'. Orders
 * keep room between neighbours, so only the moved task is written: it keeps
 * its order if that already sorts there, or takes the middle of the gap
 * (SPARSE_GAP past the top or bottom card). Only when the gap is gone does it
 * name a neighbour, for the API to renumber the column. Null when the drop
 * leaves it where it was.
 */
export function planMove(column: readonly Placed[], moved: Placed, beforeId: number | null | 'end'): Plan | null {
  if (beforeId === moved.id) return null;
  const others = column.filter((task) => task.id !== moved.id);
  const found = beforeId === null ? 0 : beforeId === 'end' ? others.length : others.findIndex((task) => task.id === beforeId);
  const index = found === -1 ? 0 : found;
  const sameColumn = others.length !== column.length;
  if (sameColumn && column[index]?.id === moved.id) return null; // dropped just where it already is

  const previous = others[index - 1];
  const next = others[index];
  const low = previous?.order ?? Math.max(ORDER_MIN - 1, (next?.order ?? 0) - 2 * SPARSE_GAP);
  const high = next?.order ?? Math.min(ORDER_MAX + 1, (previous?.order ?? 0) + 2 * SPARSE_GAP);
  if (low < moved.order && moved.order < high) return { order: moved.order, neighbour: null };
  const middle = Math.floor((low + high) / 2);
  if (low < middle && middle < high) return { order: middle, neighbour: null };
  if (next) return { order: next.order, neighbour: { id: next.id, side: 'before' } };
  return { order: previous!.order, neighbour: { id: previous!.id, side: 'after' } };
}
