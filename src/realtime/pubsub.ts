// Fan-out of board events. One small interface, in-process by default, so a
// Redis-backed implementation can later spread events across processes.
// Messages are JSON strings so that any transport can carry them unchanged.

export interface PubSub {
  publish(topic: string, message: string): void;
  /** Returns a function that unsubscribes. */
  subscribe(topic: string, listener: (message: string) => void): () => void;
  close(): Promise<void>;
}

/** Every write made through the API: `body` is exactly the API representation. */
export interface ModelEvent {
  model: 'sprint' | 'task' | 'user' | 'label' | 'comment';
  id: number;
  action: 'add' | 'update' | 'remove';
  body: unknown;
}

/** Topic of API writes; every connected board receives them. */
export const MODEL_EVENTS_TOPIC = 'board:models';

export const CLIENT_ACTIONS = ['dragstart', 'dragend', 'drop'] as const;

/** What a board tells the other boards of its sprint while a person drags a task. */
export interface ClientEvent {
  model: 'task';
  id: number;
  action: (typeof CLIENT_ACTIONS)[number];
}

/**
 * A client event as published on its sprint's topic. `sender` names the socket
 * it came from, so that every process (not only the one holding that socket)
 * can leave the sender out.
 */
export interface SprintMessage {
  sender: string;
  event: ClientEvent;
}

/** Topic of the client events (dragstart/dragend/drop) of one sprint. */
export const sprintTopic = (sprintId: number): string => `board:sprint:${sprintId}`;

export function createLocalPubSub(): PubSub {
  const listeners = new Map<string, Set<(message: string) => void>>();
  return {
    publish(topic, message) {
      for (const listener of listeners.get(topic) ?? []) {
        try {
          listener(message);
        } catch {
          // One failing subscriber must not stop the others.
        }
      }
    },
    subscribe(topic, listener) {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(topic);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
