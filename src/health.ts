// GET /healthz: whether this process can do its work, for the proxy or
// orchestrator in front of several processes. 200 when every dependency is
// up, 503 (with the same body) when one is down; each check is bounded, so a
// hung dependency cannot hang the answer.
import type { Handler } from 'hono';

export interface DependencyHealth {
  state: 'up' | 'down';
  detail?: string;
}

/** A service a part needs (the board's database, its event bus), as GET /healthz reports it. */
export interface Dependency {
  name: string;
  kind: string;
  check(): Promise<DependencyHealth>;
  /** A listener for the dependency coming back after an outage (so boards can catch up); absent if it cannot go away. */
  onRecovered?(listener: () => void): () => void;
}

const CHECK_TIMEOUT_MS = 2000;

/** One dependency's outages, each logged once when it starts and once when it ends, however many failures come in between. */
export interface OutageLog {
  readonly down: boolean;
  lost(reason: string): void;
  /** True when this ended an outage. */
  back(): boolean;
}

export function createOutageLog(log: (line: string) => void, messages: { lost: (reason: string) => string; back: string }): OutageLog {
  let down = false;
  return {
    get down() {
      return down;
    },
    lost(reason) {
      if (down) return;
      down = true;
      log(messages.lost(reason));
    },
    back() {
      if (!down) return false;
      down = false;
      log(messages.back);
      return true;
    },
  };
}

async function bounded(dependency: Dependency): Promise<{ kind: string; state: 'up' | 'down'; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ state: 'down'; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'down', detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([dependency.check().catch((error: unknown) => ({ state: 'down' as const, detail: (error as Error).message })), timeout]);
    return { kind: dependency.kind, ...result };
  } finally {
    clearTimeout(timer);
  }
}

export function health(dependencies: Dependency[]): Handler {
  return async (c) => {
    const results = await Promise.all(dependencies.map(bounded));
    const checks = Object.fromEntries(dependencies.map((dependency, i) => [dependency.name, results[i]]));
    const up = results.every((result) => result.state === 'up');
    c.header('Cache-Control', 'no-store');
    return c.json({ status: up ? 'ok' : 'unavailable', checks }, up ? 200 : 503);
  };
}
