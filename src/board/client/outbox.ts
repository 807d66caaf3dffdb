// No lost work on a bad connection: a board write that cannot reach the API
// (a network error, or 503 while its database is away) waits here, in
// localStorage so that a reload keeps it, and is sent in order as soon as
// the server answers again. Each waiting write remembers what its fields
// were before the change; if someone else changed one of them meanwhile
// (or the write meets 412), the person sees theirs and the server's and
// picks one.
import Backbone from 'backbone';
import { ApiError, etagOf, request } from './api.ts';

const STORAGE_KEY = 'board.outbox';
const RETRY_MS = 2000;

export interface QueuedWrite {
  /** Unique, for the order they were made in. */
  id: string;
  url: string;
  taskId: number;
  /** What it does, for people: "Move “Write docs” to Completed". */
  label: string;
  /** The PATCH body. */
  changes: Record<string, unknown>;
  /** Those fields as the board saw them before the change. */
  base: Record<string, unknown>;
}

/** Someone else's change met a waiting write (`server`: the object as the server has it now): true sends ours over it, false keeps theirs. */
export type DecideConflict = (write: QueuedWrite, server: Record<string, unknown>) => Promise<boolean>;

/** Whether a failed write should wait rather than fail: the API was not there. */
export const unreachable = (error: unknown): boolean => error instanceof ApiError && (error.status === 0 || error.status === 503);

function load(): QueuedWrite[] {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(stored) ? (stored as QueuedWrite[]) : [];
  } catch {
    return [];
  }
}

export interface Outbox extends Backbone.Events {}

/**
 * Triggers `change` (the waiting writes changed), `sent` (a write landed,
 * with the object as the server now has it, or null if theirs was kept) and
 * `failed` (refused for good, with the ApiError).
 */
export class Outbox {
  private writes: QueuedWrite[] = load();
  private timer: number | undefined;
  private flushing = false;
  private seq = 0;

  constructor(private readonly decide: DecideConflict) {
    window.addEventListener('online', () => void this.flush());
    // Another tab's queue is its own; a reload picks ours up again.
    if (this.writes.length) this.schedule();
  }

  get waiting(): readonly QueuedWrite[] {
    return this.writes;
  }

  pendingFor(taskId: number): boolean {
    return this.writes.some((write) => write.taskId === taskId);
  }

  add(write: Omit<QueuedWrite, 'id'>): void {
    this.writes.push({ ...write, id: `${Date.now()}-${this.seq++}` });
    this.save();
    this.schedule();
  }

  private save(): void {
    try {
      if (this.writes.length) localStorage.setItem(STORAGE_KEY, JSON.stringify(this.writes));
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage refused (private mode, full): the writes still wait in memory.
    }
    this.notify('change');
  }

  /** A listener's failure is reported, and never mistaken for the write's own (which would drop it). */
  private notify(event: string, ...args: unknown[]): void {
    try {
      this.trigger(event, ...args);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), RETRY_MS);
  }

  /** Send what waits, oldest first; stop at the first that still cannot get through. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.writes.length) {
        const write = this.writes[0]!;
        let outcome: { sent: Record<string, unknown> | null } | { refused: unknown };
        try {
          outcome = { sent: await this.send(write) };
        } catch (error) {
          if (unreachable(error)) return this.schedule();
          // Refused for good (the task is gone, the change is invalid now): dropped, and said so.
          outcome = { refused: error };
        }
        this.writes.shift();
        this.save();
        if ('sent' in outcome) this.notify('sent', write, outcome.sent);
        else this.notify('failed', write, outcome.refused);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The write, unless it would overwrite someone else's change and the person keeps theirs; null then. */
  private async send(write: QueuedWrite): Promise<Record<string, unknown> | null> {
    for (;;) {
      const server = (await request(write.url)) as Record<string, unknown>;
      const theirs = Object.keys(write.changes).some((field) => !same(server[field], write.base[field]) && !same(server[field], write.changes[field]));
      if (theirs && !(await this.decide(write, server))) return null;
      try {
        return (await request(write.url, { method: 'PATCH', body: write.changes, ifMatch: etagOf(write.url) })) as Record<string, unknown>;
      } catch (error) {
        // Changed again between our read and our write: look again.
        if (!(error instanceof ApiError && error.status === 412)) throw error;
      }
    }
  }
}
Object.assign(Outbox.prototype, Backbone.Events);

const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);
