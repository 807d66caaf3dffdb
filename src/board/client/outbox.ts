// No lost work on a bad connection: a board write that cannot reach the API
// (a network error, or 503 while its database is away) waits here, in
// localStorage so that a reload keeps it, and is sent in order as soon as
// the server answers again. Each waiting write remembers what its fields
// were before the change; if someone else changed one of them meanwhile
// (or the write meets 412), the person sees theirs and the server's and
// picks one. A task added meanwhile goes by a temporary (negative) id until
// its POST lands; the writes queued behind it then take its real id.
import Backbone from 'backbone';
import { ApiError, etagOf, request } from './api.ts';

const STORAGE_KEY = 'board.outbox';
const RETRY_MS = 2000;

/** `add` POSTs `changes` to `url` (the task list), `update` PATCHes them to `url` (the task), `remove` DELETEs `url`. */
export type WriteKind = 'add' | 'update' | 'remove';

export interface QueuedWrite {
  /** Unique, for the order they were made in. */
  id: string;
  kind: WriteKind;
  url: string;
  /** The task's id; for a task not created yet, the temporary one its card has. */
  taskId: number;
  /** Query parameters of the write (`before`/`after`: where a moved task goes); never part of `url`, which names the task. */
  query?: Record<string, string>;
  /** What it does, for people: "Move “Write docs” to Completed". */
  label: string;
  /** The POST or PATCH body; empty for a removal. */
  changes: Record<string, unknown>;
  /** The fields it changes (for a removal: all of them) as the board saw them before; empty for an add. */
  base: Record<string, unknown>;
}

/** A task the server has not created yet: its card's temporary id. */
export const isTemporaryId = (taskId: number): boolean => taskId < 0;

/** Someone else's change met a waiting write (`server`: the object as the server has it now): true sends ours over it, false keeps theirs. */
export type DecideConflict = (write: QueuedWrite, server: Record<string, unknown>) => Promise<boolean>;

/** Whether a failed write should wait rather than fail: the API was not there. */
export const unreachable = (error: unknown): boolean => error instanceof ApiError && (error.status === 0 || error.status === 503);

function load(): QueuedWrite[] {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
    // Writes queued before adds and removals could wait are all updates.
    return Array.isArray(stored) ? (stored as QueuedWrite[]).map((write) => ({ ...write, kind: write.kind ?? 'update' })) : [];
  } catch {
    return [];
  }
}

export interface Outbox extends Backbone.Events {}

/**
 * Triggers `change` (the waiting writes changed), `sent` (a write landed,
 * with the object as the server now has it: for an update null if theirs
 * was kept, for a removal null once it is gone and the object if theirs was
 * kept) and `failed` (refused for good, with the ApiError; an add refused
 * takes the writes queued for its task with it).
 */
export class Outbox {
  private writes: QueuedWrite[] = load();
  private timer: number | undefined;
  private flushing = false;
  /** The write on its way to the server right now: too late to cancel. */
  private sending: QueuedWrite | null = null;
  /** Temporary id → the task the server created for it, for undoing an add after it landed. */
  private readonly created = new Map<number, { id: number; url: string }>();
  private seq = 0;

  private readonly decide: DecideConflict;
  constructor(decide: DecideConflict) {
    this.decide = decide;
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

  add(write: Omit<QueuedWrite, 'id'>): QueuedWrite {
    const queued = { ...write, id: `${Date.now()}-${this.seq++}` };
    this.writes.push(queued);
    this.save();
    this.schedule();
    return queued;
  }

  /** An id for a task added while the server cannot be reached: negative, and unlike any other waiting. */
  temporaryId(): number {
    let id = -Date.now();
    while (this.writes.some((write) => write.taskId === id) || this.created.has(id)) id--;
    return id;
  }

  /** What the server created for a task added under `taskId` (temporary), once it has. */
  createdFor(taskId: number): { id: number; url: string } | undefined {
    return this.created.get(taskId);
  }

  /**
   * Take a write back before it is sent (an undo); an add takes the writes
   * queued for its task with it. False when it is already on its way or gone.
   */
  cancel(write: QueuedWrite): boolean {
    if (write === this.sending || !this.writes.includes(write)) return false;
    this.writes = this.writes.filter((other) => other !== write && !(write.kind === 'add' && other.taskId === write.taskId));
    this.save();
    return true;
  }

  /** The waiting add of a task not created yet, if it is not on its way already. */
  waitingAdd(taskId: number): QueuedWrite | undefined {
    return this.writes.find((write) => write.kind === 'add' && write.taskId === taskId && write !== this.sending);
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
        this.sending = write;
        try {
          outcome = { sent: await this.send(write) };
        } catch (error) {
          if (unreachable(error)) return this.schedule();
          // Refused for good (the task is gone, the change is invalid now): dropped, and said so.
          outcome = { refused: error };
        } finally {
          this.sending = null;
        }
        this.writes = this.writes.filter((other) => other !== write);
        if (write.kind === 'add') {
          if ('sent' in outcome) this.created.set(write.taskId, this.createdAs(write.taskId, outcome.sent!));
          // Nothing was created: what was queued for it has nothing to change.
          else this.writes = this.writes.filter((other) => other.taskId !== write.taskId);
        }
        this.save();
        if ('sent' in outcome) this.notify('sent', write, outcome.sent);
        else this.notify('failed', write, outcome.refused);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The task of a temporary id was created: what waits for it goes to the real one. */
  private createdAs(taskId: number, task: Record<string, unknown>): { id: number; url: string } {
    const real = { id: Number(task.id), url: String((task.links as { self?: unknown } | undefined)?.self) };
    for (const write of this.writes) {
      if (write.taskId !== taskId) continue;
      write.taskId = real.id;
      write.url = real.url;
    }
    return real;
  }

  private async send(write: QueuedWrite): Promise<Record<string, unknown> | null> {
    if (isTemporaryId(write.taskId) && write.kind !== 'add') throw new ApiError(404, 'The task was never created.');
    if (write.kind === 'add') return (await request(write.url, { method: 'POST', body: write.changes })) as Record<string, unknown>;
    if (write.kind === 'remove') return this.sendRemoval(write);
    return this.sendUpdate(write);
  }

  /** The write, unless it would overwrite someone else's change and the person keeps theirs; null then. */
  private async sendUpdate(write: QueuedWrite): Promise<Record<string, unknown> | null> {
    for (;;) {
      const server = (await request(write.url)) as Record<string, unknown>;
      const theirs = Object.keys(write.changes).some((field) => !same(server[field], write.base[field]) && !same(server[field], write.changes[field]));
      if (theirs && !(await this.decide(write, server))) return null;
      try {
        return (await request(write.url, { method: 'PATCH', query: write.query, body: write.changes, ifMatch: etagOf(write.url) })) as Record<string, unknown>;
      } catch (error) {
        // Changed again between our read and our write: look again.
        if (!(error instanceof ApiError && error.status === 412)) throw error;
      }
    }
  }

  /**
   * The removal (null once the task is gone, also when someone else removed
   * it first), unless someone else changed the task since and the person
   * keeps theirs: the task as the server has it then.
   */
  private async sendRemoval(write: QueuedWrite): Promise<Record<string, unknown> | null> {
    const gone = (error: unknown): boolean => error instanceof ApiError && error.status === 404;
    for (;;) {
      let server: Record<string, unknown>;
      try {
        server = (await request(write.url)) as Record<string, unknown>;
      } catch (error) {
        if (gone(error)) return null;
        throw error;
      }
      const theirs = Object.keys(write.base).some((field) => !same(server[field], write.base[field]));
      if (theirs && !(await this.decide(write, server))) return server;
      try {
        await request(write.url, { method: 'DELETE', ifMatch: etagOf(write.url) });
        return null;
      } catch (error) {
        if (gone(error)) return null;
        // Changed again between our read and our removal: look again.
        if (!(error instanceof ApiError && error.status === 412)) throw error;
      }
    }
  }
}
Object.assign(Outbox.prototype, Backbone.Events);

/** The same field value: lists (a task's labels) by their items, as JSON brings them back as new arrays. */
export const same = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a ?? []) === JSON.stringify(b ?? []) : (a ?? null) === (b ?? null);
