// The sprint's websocket (chapters 7 and 8), kept open. After a dropped
// connection it waits (about 1 s, 2 s, 4 s... up to 30 s), asks for a fresh
// signed channel URL (an old one may have expired) and connects again; the
// board then refetches what it may have missed.
import Backbone from 'backbone';

/** `{"model", "id", "action", ...}`: an API write (with `body`) or another board's drag. */
export interface BoardMessage {
  model: string;
  id: number;
  action: string;
  body?: unknown;
}

export type LiveState = 'connecting' | 'live' | 'offline';

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

function parse(data: unknown): BoardMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const value = JSON.parse(data) as Partial<BoardMessage> | null;
    const valid = typeof value?.model === 'string' && Number.isSafeInteger(value.id) && typeof value.action === 'string';
    return valid ? (value as BoardMessage) : null;
  } catch {
    return null;
  }
}

export interface LiveChannel extends Backbone.Events {}

/**
 * Triggers `message` (a BoardMessage), `state` (a LiveState) and `reconnect`
 * (open again after any trouble: time to refetch).
 */
export class LiveChannel {
  state: LiveState = 'connecting';
  private socket: WebSocket | null = null;
  private failures = 0;
  private troubled = false;
  private retryTimer: number | undefined;
  private closed = false;
  private readonly retryNow = () => {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.reconnect();
  };

  private readonly freshUrl: () => Promise<string>;
  constructor(
    firstUrl: string,
    /** A freshly signed channel URL; rejecting means "try again later". */
    freshUrl: () => Promise<string>,
  ) {
    this.freshUrl = freshUrl;
    window.addEventListener('online', this.retryNow);
    this.connect(firstUrl);
  }

  /** Tell the other boards of the sprint; dropped while disconnected (a drag hint is worthless later). */
  send(message: Omit<BoardMessage, 'body'>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.retryNow);
    this.socket?.close(1000, 'Board closed');
    this.socket = null;
    this.stopListening();
    this.off();
  }

  private connect(url: string): void {
    this.setState('connecting');
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.failures = 0;
      this.setState('live');
      if (this.troubled) this.trigger('reconnect');
    });
    socket.addEventListener('message', (event) => {
      const message = parse(event.data);
      if (message) this.trigger('message', message);
    });
    socket.addEventListener('close', () => {
      if (this.closed || this.socket !== socket) return;
      this.socket = null;
      this.troubled = true;
      this.setState('offline');
      this.scheduleRetry();
    });
  }

  private setState(state: LiveState): void {
    this.state = state;
    this.trigger('state', state);
  }

  private scheduleRetry(): void {
    // Jitter keeps a room full of boards from reconnecting in lockstep after a restart.
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures++;
    this.retryTimer = window.setTimeout(this.retryNow, delay);
  }

  private async reconnect(): Promise<void> {
    try {
      const url = await this.freshUrl();
      if (!this.closed) this.connect(url);
    } catch {
      if (!this.closed) this.scheduleRetry();
    }
  }
}
Object.assign(LiveChannel.prototype, Backbone.Events);
