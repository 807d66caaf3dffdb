// One connected board: its socket plus the bookkeeping that keeps it from
// hurting the others (a send limit for slow readers, a message budget for
// floods, liveness for the heartbeat).
import { WebSocket } from 'ws';

export interface ClientLimits {
  /** Bytes queued for a socket beyond which it is dropped rather than buffered further. */
  maxBufferedBytes: number;
  /** Sustained inbound messages per second... */
  messagesPerSecond: number;
  /** ...and how many may come at once before the sender is disconnected. */
  messageBurst: number;
}

export class Client {
  /** Heard from (message or pong) since the last heartbeat. */
  private heard = true;
  /** Pinged at the last heartbeat and not heard from since. */
  private pinged = false;
  private tokens: number;
  private refilledAt = performance.now();

  readonly id: string;
  readonly sprintId: number;
  readonly address: string;
  readonly socket: WebSocket;
  private readonly limits: ClientLimits;
  constructor(
    /** Unique across processes, so a pubsub spanning several can skip the sender. */
    id: string,
    sprintId: number,
    /** For log lines. */
    address: string,
    socket: WebSocket,
    limits: ClientLimits,
  ) {
    this.id = id;
    this.sprintId = sprintId;
    this.address = address;
    this.socket = socket;
    this.limits = limits;
    this.tokens = limits.messageBurst;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Queue a text frame. A reader whose backlog is past the limit is cut off
   * instead, so one slow board costs bounded memory and delays nobody;
   * returns false when that happened.
   */
  send(data: Buffer): boolean {
    if (!this.open) return true;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.socket.terminate();
      return false;
    }
    this.socket.send(data, { binary: false });
    return true;
  }

  /** Any message or pong proves the connection alive. */
  heardFrom(): void {
    this.heard = true;
    this.pinged = false;
  }

  /**
   * One heartbeat: a socket silent through a whole interval is pinged; one
   * still silent an interval after its ping is dead (false).
   */
  beat(): boolean {
    if (this.heard) {
      this.heard = false;
      return true;
    }
    if (this.pinged) return false;
    this.pinged = true;
    this.socket.ping();
    return true;
  }

  /** Token bucket: false once the client sends faster than allowed for longer than its burst. */
  takeMessageToken(now = performance.now()): boolean {
    const refill = ((now - this.refilledAt) / 1000) * this.limits.messagesPerSecond;
    this.tokens = Math.min(this.limits.messageBurst, this.tokens + refill);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  describe(): string {
    return `${this.address} (sprint ${this.sprintId})`;
  }
}
