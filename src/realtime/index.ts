// Live collaboration on the Scrum board (chapters 7 and 8): `GET /socket?channel=<signed value>`
// upgrades to a websocket subscribed to one sprint.
//
//   client → server  {"model": "task", "id", "action": "dragstart" | "dragend" | "drop"}
//                    forwarded to the other boards of that sprint, never back to the sender
//   server → client  {"model": "task" | "sprint", "id", "action": "add" | "update" | "remove", "body"}
//                    every API write, to every board
//
// Everything is bounded: connections, inbound message size and rate, each
// socket's send backlog, and how long a silent socket may live.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import type { Settings } from '../settings.ts';
import { Client, type ClientLimits } from './client.ts';
import { admit, refuse } from './handshake.ts';
import { parseClientEvent } from './messages.ts';
import { MODEL_EVENTS_TOPIC, sprintTopic, type PubSub, type SprintMessage } from './pubsub.ts';
import { createRooms } from './rooms.ts';
import { createThrottledLog } from './throttled-log.ts';

export interface Limits extends ClientLimits {
  /** A socket silent for this long is pinged; silent for as long again, it is dropped. */
  heartbeatMs: number;
  /** Largest inbound message; bigger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** How long a closing handshake may take before the socket is destroyed. */
  closeTimeoutMs: number;
  /** Open websockets per process; further upgrades get 503. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: Limits = {
  heartbeatMs: 25_000, // under the 60 s idle timeout of common proxies, even at two intervals
  maxPayloadBytes: 4096,
  maxBufferedBytes: 256 * 1024,
  messagesPerSecond: 20,
  messageBurst: 40,
  closeTimeoutMs: 3000,
  maxConnections: 10_000,
};

export interface RealtimeOptions {
  settings: Settings;
  log: (line: string) => void;
  pubsub: PubSub;
  limits?: Partial<Limits>;
}

export interface RealtimeStats {
  /** Open websockets. */
  connections: number;
  /** Sprints with at least one open websocket here (and so a pubsub subscription). */
  sprints: number;
  /** Upgrades answered with an HTTP error. */
  refused: number;
  /** Inbound messages ignored as malformed. */
  garbage: number;
  /** Sockets this process cut off, by reason. */
  dropped: { slow: number; flooding: number; dead: number };
}

export interface Realtime {
  /** Handle the server's websocket upgrades (of /socket; others get 404). */
  attach(server: Server): void;
  /**
   * Ask every board to reconnect (1012), after events may have been lost (the
   * event bus was down): reconnecting, a board refetches what it shows.
   */
  resync(reason: string): void;
  /** Say goodbye (1001) to every board and stop listening. */
  close(): Promise<void>;
  stats(): RealtimeStats;
}

export function createRealtime({ settings, log, pubsub, limits: overrides = {} }: RealtimeOptions): Realtime {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  const notes = createThrottledLog(log);
  // closeTimeout is honoured by ws since 8.19 but not yet typed in @types/ws.
  const serverOptions: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: limits.maxPayloadBytes,
    closeTimeout: limits.closeTimeoutMs,
  };
  const wss = new WebSocketServer(serverOptions);
  const processId = randomBytes(6).toString('hex');
  let nextClient = 0;
  const clients = new Set<Client>();
  const servers = new Set<Server>();
  const counts = { refused: 0, garbage: 0, slow: 0, flooding: 0, dead: 0 };
  let closed = false;

  const deliver = (client: Client, data: Buffer) => {
    if (client.send(data)) return;
    counts.slow++;
    notes.write('dropped sockets', `realtime: dropped slow reader ${client.describe()}: over ${limits.maxBufferedBytes} bytes unsent`);
  };

  const rooms = createRooms(pubsub, deliver);
  const broadcast = (message: string) => {
    const data = Buffer.from(message); // the API's JSON, encoded once for every board
    for (const client of clients) deliver(client, data);
  };
  // Fan-out waits for the publisher's turn to end (setImmediate keeps the order),
  // so an API write answers without first queueing a frame for every board.
  const unsubscribeModels = pubsub.subscribe(MODEL_EVENTS_TOPIC, (message) => setImmediate(broadcast, message));

  const receive = (client: Client, data: Buffer, isBinary: boolean) => {
    if (!client.open) return; // what a closing socket still sends is moot
    client.heardFrom();
    if (!client.takeMessageToken()) {
      counts.flooding++;
      notes.write('dropped sockets', `realtime: disconnected ${client.describe()}: over ${limits.messagesPerSecond} messages per second`);
      client.socket.close(1008, 'Too many messages');
      return;
    }
    const parsed = parseClientEvent(data, isBinary);
    if ('problem' in parsed) {
      counts.garbage++;
      notes.write('garbage messages', `realtime: ignored garbage from ${client.describe()}: ${parsed.problem}`);
      return;
    }
    const message: SprintMessage = { sender: client.id, event: parsed.event };
    pubsub.publish(sprintTopic(client.sprintId), JSON.stringify(message));
  };

  const connect = (socket: WebSocket, sprintId: number, request: IncomingMessage) => {
    const client = new Client(`${processId}-${nextClient++}`, sprintId, request.socket.remoteAddress ?? 'unknown', socket, limits);
    clients.add(client);
    rooms.join(client);
    // With ws's default binaryType every message arrives as one Buffer.
    socket.on('message', (data: RawData, isBinary) => receive(client, data as Buffer, isBinary));
    socket.on('pong', () => client.heardFrom());
    socket.on('error', (err) => notes.write('socket errors', `realtime: ${client.describe()}: ${err.message}`));
    socket.once('close', () => {
      clients.delete(client);
      rooms.leave(client);
    });
  };

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const admission = admit(request, settings);
    const address = request.socket.remoteAddress ?? 'unknown';
    const path = (request.url ?? '').split('?')[0]!.slice(0, 80); // the query holds the channel, a credential
    const turnAway = (status: number, detail: string, headers?: Record<string, string>) => {
      counts.refused++;
      notes.write('refused connections', `realtime: refused ${address} ${path}: ${status} ${detail}`);
      refuse(socket, status, detail, headers);
    };
    if ('status' in admission) return turnAway(admission.status, admission.detail);
    if (closed) return turnAway(503, 'The server is shutting down; reconnect in a moment.', { 'Retry-After': '5' });
    if (clients.size >= limits.maxConnections) {
      return turnAway(503, 'Too many live connections right now; reconnect in a moment.', { 'Retry-After': '30' });
    }
    // ws answers a malformed handshake (bad method, key or version) with 400 itself.
    wss.handleUpgrade(request, socket, head, (ws) => connect(ws, admission.sprintId, request));
  };

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (client.beat()) continue;
      counts.dead++;
      notes.write('dropped sockets', `realtime: dropped ${client.describe()}: no answer to ping`);
      client.socket.terminate();
    }
  }, limits.heartbeatMs).unref();

  return {
    attach(server) {
      servers.add(server);
      server.on('upgrade', upgrade);
    },
    resync(reason) {
      if (clients.size) log(`realtime: asking ${clients.size} board(s) to reconnect and catch up: ${reason}`);
      for (const client of clients) client.socket.close(1012, 'Reconnect to catch up');
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribeModels();
      rooms.close();
      const goodbyes = [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.socket.once('close', () => resolve());
            client.socket.close(1001, 'Server shutting down');
          }),
      );
      await Promise.all(goodbyes); // bounded by closeTimeoutMs
      for (const server of servers) server.off('upgrade', upgrade);
      servers.clear();
      wss.close();
      notes.close();
    },
    stats: () => ({
      connections: clients.size,
      sprints: rooms.size,
      refused: counts.refused,
      garbage: counts.garbage,
      dropped: { slow: counts.slow, flooding: counts.flooding, dead: counts.dead },
    }),
  };
}
