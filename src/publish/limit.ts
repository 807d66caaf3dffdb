// Run at most `concurrency` tasks at once; the rest wait their turn, urgent
// ones first. Bounding work in flight is what keeps a build's memory flat as
// pages grow.
export type Limit = <T>(task: () => Promise<T>, options?: { urgent?: boolean }) => Promise<T>;

export function limit(concurrency: number): Limit {
  let active = 0;
  const urgent: Array<() => void> = [];
  const waiting: Array<() => void> = [];
  return async (task, options = {}) => {
    if (active < concurrency) active++;
    // A finishing task hands over its slot.
    else await new Promise<void>((resolve) => (options.urgent ? urgent : waiting).push(resolve));
    try {
      return await task();
    } finally {
      const resume = urgent.shift() ?? waiting.shift();
      if (resume) resume();
      else active--;
    }
  };
}
