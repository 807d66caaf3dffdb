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

const comesAfter = (task: Placed, previous: Placed): boolean => byOrder(previous, task) < 0;

/**
 * New orders when `movedId` is dropped before `beforeId` in a column (its
 * tasks sorted by board order), or at the top when `beforeId` is null: the
 * moved task takes the order of the one it is dropped on, and the ones after
 * it shift just enough to stay behind it. Returns id → new order for every
 * task whose order changes (the moved one always included), or null when the
 * drop leaves everything where it was.
 */
export function planMove(column: readonly Placed[], moved: Placed, beforeId: number | null): Map<number, number> | null {
  if (beforeId === moved.id) return null;
  const others = column.filter((task) => task.id !== moved.id);
  const found = beforeId === null ? 0 : others.findIndex((task) => task.id === beforeId);
  const index = found === -1 ? 0 : found;
  const sameColumn = others.length !== column.length;
  if (sameColumn && column[index]?.id === moved.id) return null; // dropped just where it already is

  const placed = { ...moved, order: others[index]?.order ?? 0 };
  const sequence = [...others.slice(0, index), placed, ...others.slice(index)];
  const orders = new Map<number, number>([[moved.id, placed.order]]);
  for (let i = index; i < sequence.length; i++) {
    const previous = sequence[i - 1];
    const task = sequence[i]!;
    if (previous && !comesAfter(task, previous)) {
      sequence[i] = { ...task, order: previous.order + 1 };
      orders.set(task.id, previous.order + 1);
    }
  }
  return orders;
}
