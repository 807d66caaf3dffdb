// Which sprints' charts (burndowns, and the velocity built from them) a
// commit may have changed, so that their caches drop only what it touched.
// A task's write touches the sprint it was in and the one it is in; a
// sprint's write touches that sprint. What cannot be known (an import,
// another process's commit that does not say) touches everything.

/** What a commit touched: these sprints' charts, or everything. */
export type ChartChanges = ReadonlySet<number> | 'all';

/** Beyond this many sprints in one commit, saying "everything" is shorter and as good. */
const MAX_NAMED = 200;

/** Per-sprint counters that move with every commit touching that sprint; `any` moves with all of them (the velocity reads every sprint). */
export class ChartVersions {
  #counter = 0;
  /** Moves when everything is touched; stamps of an older epoch never match. */
  #epoch = 0;
  #any = 0;
  readonly #sprints = new Map<number, number>();

  moved(changes: ChartChanges): void {
    if (changes === 'all' || this.#sprints.size > 10_000) {
      this.#epoch++;
      this.#sprints.clear();
      return;
    }
    if (changes.size === 0) return;
    for (const sprint of changes) this.#sprints.set(sprint, ++this.#counter);
    this.#any = ++this.#counter;
  }

  /** A value that changes whenever one of these sprints' charts (`any`: any sprint's) may have. */
  stamp(of: number | 'any'): string {
    return `${this.#epoch}.${of === 'any' ? this.#any : (this.#sprints.get(of) ?? 0)}`;
  }
}

/** Collects what a transaction's writes touch, until its commit. */
export class PendingChanges {
  #changes: Set<number> | 'all' = new Set();

  add(changes: ChartChanges): void {
    if (this.#changes === 'all') return;
    if (changes === 'all') this.#changes = 'all';
    else for (const sprint of changes) this.#changes.add(sprint);
    if (this.#changes !== 'all' && this.#changes.size > MAX_NAMED) this.#changes = 'all';
  }

  /** What was collected, emptied. */
  take(): ChartChanges {
    const changes = this.#changes;
    this.#changes = new Set();
    return changes;
  }
}

/** In a PostgreSQL notification: ` charts=1,4` (`charts=` for none, `charts=*` for all). A payload without it (an older process) touched everything. */
export function encodeChanges(changes: ChartChanges): string {
  return ` charts=${changes === 'all' ? '*' : [...changes].join(',')}`;
}

export function decodeChanges(payload: string): ChartChanges {
  const match = / charts=(\*|[\d,]*)/.exec(payload);
  if (!match || match[1] === '*') return 'all';
  return new Set(match[1]!.split(',').filter(Boolean).map(Number));
}
