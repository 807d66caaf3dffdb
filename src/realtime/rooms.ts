// The boards of each sprint connected to this process. A sprint's pubsub
// topic is subscribed while at least one of its boards is here, and its
// client events go to every board of that sprint except the sender's, after
// the sender's message has been handled (in order, as for API writes).
import type { Client } from './client.ts';
import { parseSprintMessage } from './messages.ts';
import { sprintTopic, type PubSub } from './pubsub.ts';

export interface Rooms {
  join(client: Client): void;
  leave(client: Client): void;
  /** Sprints this process is subscribed to. */
  readonly size: number;
  close(): void;
}

export function createRooms(pubsub: PubSub, deliver: (client: Client, data: Buffer) => void): Rooms {
  const rooms = new Map<number, { clients: Set<Client>; unsubscribe: () => void }>();

  const forward = (sprintId: number, message: string) => {
    const parsed = parseSprintMessage(message);
    const room = rooms.get(sprintId);
    if (!parsed || !room) return;
    const data = Buffer.from(JSON.stringify(parsed.event)); // encoded once for every receiver
    for (const client of room.clients) {
      if (client.id !== parsed.sender) deliver(client, data);
    }
  };

  return {
    join(client) {
      let room = rooms.get(client.sprintId);
      if (!room) {
        const unsubscribe = pubsub.subscribe(sprintTopic(client.sprintId), (message) => setImmediate(forward, client.sprintId, message));
        rooms.set(client.sprintId, (room = { clients: new Set(), unsubscribe }));
      }
      room.clients.add(client);
    },
    leave(client) {
      const room = rooms.get(client.sprintId);
      if (!room?.clients.delete(client) || room.clients.size > 0) return;
      room.unsubscribe();
      rooms.delete(client.sprintId);
    },
    get size() {
      return rooms.size;
    },
    close() {
      for (const room of rooms.values()) room.unsubscribe();
      rooms.clear();
    },
  };
}
