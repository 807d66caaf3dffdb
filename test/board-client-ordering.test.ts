// Where a dropped task lands (the client's columns.ts), without a browser:
// between its new neighbours, in the room sparse orders leave, writing the
// moved task only; a neighbour is named only when there is no room left.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byOrder, columnOf, COLUMNS, ORDER_MAX, ORDER_MIN, planMove, SPARSE_GAP, type Placed, type Plan } from '../src/board/client/columns.ts';

const task = (id: number, order: number, status = 1, sprint: number | null = 7): Placed => ({ id, order, status, sprint });

/** The column's ids in board order with the moved task at the plan's order (no renumbering). */
function after(column: Placed[], moved: Placed, plan: Plan): number[] {
  return [...column.filter((t) => t.id !== moved.id), { ...moved, order: plan.order }].sort(byOrder).map((t) => t.id);
}

describe('planMove', () => {
  it('puts a task from another column in the middle of the gap before the one it is dropped on', () => {
    const column = [task(1, 0), task(2, 1024), task(3, 2048)];
    const moved = task(9, 5000, 2);
    const plan = planMove(column, moved, 2)!;
    assert.deepEqual(plan, { order: 512, neighbour: null });
    assert.deepEqual(after(column, moved, plan), [1, 9, 2, 3]);
  });

  it('keeps the moved task\'s order when it already sorts there: only its column changes', () => {
    const column = [task(1, 0), task(2, 1024)];
    assert.deepEqual(planMove(column, task(9, 700, 3), 2), { order: 700, neighbour: null });
  });

  it('leaves a gap above the top card and below the bottom one', () => {
    const column = [task(1, 0), task(2, 1024)];
    assert.deepEqual(planMove(column, task(9, 5000, 2), null), { order: -SPARSE_GAP, neighbour: null });
    assert.deepEqual(planMove(column, column[0]!, null), null);
    // The bottom: dropped before nothing in the column is "before the top"; moving down past the last card is the last moving up.
    assert.deepEqual(planMove(column, column[1]!, 1), { order: -SPARSE_GAP, neighbour: null });
    assert.deepEqual(planMove([task(1, ORDER_MAX - 1)], task(9, ORDER_MAX, 2), null), { order: ORDER_MAX - 1 - SPARSE_GAP, neighbour: null });
    assert.deepEqual(planMove([task(1, ORDER_MIN)], task(9, 5, 2), null), { order: ORDER_MIN, neighbour: { id: 1, side: 'before' } });
  });

  it('names the neighbour when there is no room: adjacent orders, or ties as tasks are created', () => {
    assert.deepEqual(planMove([task(1, 0), task(2, 1), task(3, 2)], task(9, 5, 2), 2), { order: 1, neighbour: { id: 2, side: 'before' } });
    // All at order 0, as tasks are created: nothing fits between two of them.
    assert.deepEqual(planMove([task(5, 0), task(6, 0), task(7, 0)], task(2, 0, 2), 6), { order: 0, neighbour: { id: 6, side: 'before' } });
  });

  it('moves within a column, and does nothing for a drop where the task already is', () => {
    const column = [task(1, 0), task(2, 1024), task(3, 2048)];
    assert.deepEqual(after(column, column[2]!, planMove(column, column[2]!, 1)!), [3, 1, 2]);
    assert.deepEqual(after(column, column[0]!, planMove(column, column[0]!, 3)!), [2, 1, 3]);
    assert.equal(planMove(column, column[1]!, 3), null);
    assert.equal(planMove(column, column[0]!, null), null);
    assert.equal(planMove(column, column[1]!, 2), null);
  });

  it('keeps the order of a task moved to an empty column', () => {
    assert.deepEqual(planMove([], task(3, 8), null), { order: 8, neighbour: null });
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
