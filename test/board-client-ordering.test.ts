// Where a dropped task lands (the client's columns.ts), without a browser:
// before the task it is dropped on, the ones after it shifting just enough.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byOrder, columnOf, COLUMNS, planMove, type Placed } from '../src/board/client/columns.ts';

const task = (id: number, order: number, status = 1, sprint: number | null = 7): Placed => ({ id, order, status, sprint });

/** The column's ids in board order after applying a plan. */
function after(column: Placed[], moved: Placed, plan: Map<number, number>): number[] {
  const others = column.filter((t) => t.id !== moved.id);
  return [...others, moved]
    .map((t) => ({ ...t, order: plan.get(t.id) ?? t.order }))
    .sort(byOrder)
    .map((t) => t.id);
}

describe('planMove', () => {
  it('puts a task from another column before the one it is dropped on, shifting the rest', () => {
    const column = [task(1, 0), task(2, 1), task(3, 2)];
    const moved = task(9, 5, 2);
    const plan = planMove(column, moved, 2)!;
    assert.deepEqual(after(column, moved, plan), [1, 9, 2, 3]);
    assert.deepEqual([...plan], [[9, 1], [2, 2]]); // 3 keeps its order 2: ties go by id, and 3 > 2
  });

  it('shifts only as far as needed when there is room', () => {
    const column = [task(1, 0), task(2, 5), task(3, 10)];
    const moved = task(9, 0, 3);
    const plan = planMove(column, moved, 2)!;
    assert.deepEqual(after(column, moved, plan), [1, 9, 2, 3]);
    assert.deepEqual([...plan], [[9, 5], [2, 6]]);
  });

  it('puts a task dropped on the column at the top', () => {
    const column = [task(4, 3), task(5, 3)];
    const moved = task(1, 0, 4);
    const plan = planMove(column, moved, null)!;
    assert.deepEqual(after(column, moved, plan), [1, 4, 5]);
  });

  it('keeps ties (equal orders sort by id) in place', () => {
    // All at order 0, as tasks are created: a low id moved below higher ones must outrank them.
    const column = [task(5, 0), task(6, 0), task(7, 0)];
    const moved = task(2, 0, 2);
    const plan = planMove(column, moved, 6)!;
    assert.deepEqual(after(column, moved, plan), [5, 2, 6, 7]);
  });

  it('moves within a column, and does nothing for a drop where the task already is', () => {
    const column = [task(1, 0), task(2, 1), task(3, 2)];
    assert.deepEqual(after(column, column[2]!, planMove(column, column[2]!, 1)!), [3, 1, 2]);
    assert.deepEqual(after(column, column[0]!, planMove(column, column[0]!, 3)!), [2, 1, 3]);
    assert.equal(planMove(column, column[1]!, 3), null);
    assert.equal(planMove(column, column[0]!, null), null);
    assert.equal(planMove(column, column[1]!, 2), null);
  });

  it('starts an empty column at order 0', () => {
    assert.deepEqual([...planMove([], task(3, 8), null)!], [[3, 0]]);
  });
});

describe('columnOf', () => {
  it('puts backlog tasks in the Backlog, this sprint by status, other sprints nowhere', () => {
    assert.equal(columnOf(task(1, 0, 1, null), 7)?.title, 'Backlog');
    assert.deepEqual(
      [1, 2, 3, 4].map((status) => columnOf(task(1, 0, status, 7), 7)?.title),
      COLUMNS.slice(1).map((column) => column.title),
    );
    assert.equal(columnOf(task(1, 0, 2, 8), 7), null);
  });
});
