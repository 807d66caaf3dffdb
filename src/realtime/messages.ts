// Validation of what arrives on a socket. A board may only send
// `{"model": "task", "id": <id>, "action": "dragstart" | "dragend" | "drop"}`;
// anything else is garbage, described for the log and otherwise ignored.
import { CLIENT_ACTIONS, type ClientEvent, type SprintMessage } from './pubsub.ts';

export type Parsed = { event: ClientEvent } | { problem: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

const isAction = (value: unknown): value is ClientEvent['action'] => (CLIENT_ACTIONS as readonly unknown[]).includes(value);

/** Only the three known fields are kept, so nothing else a client sends ever reaches another board. */
export function parseClientEvent(data: Buffer, isBinary: boolean): Parsed {
  if (isBinary) return { problem: `a binary frame of ${data.length} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return { problem: `text that is not JSON: ${JSON.stringify(data.toString('utf8').slice(0, 60))}` };
  }
  if (!isObject(value)) return { problem: 'JSON that is not an object' };
  if (value.model !== 'task') return { problem: `model ${JSON.stringify(value.model)}; only "task" is accepted` };
  if (!isId(value.id)) return { problem: `id ${JSON.stringify(value.id)}; a positive whole number is expected` };
  if (!isAction(value.action)) {
    return { problem: `action ${JSON.stringify(value.action)}; expected one of ${CLIENT_ACTIONS.join(', ')}` };
  }
  return { event: { model: 'task', id: value.id, action: value.action } };
}

/** A sprint topic message from the pubsub; null if the transport handed over something else. */
export function parseSprintMessage(message: string): SprintMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.sender !== 'string' || !isObject(value.event)) return null;
  const { model, id, action } = value.event;
  return model === 'task' && isId(id) && isAction(action) ? { sender: value.sender, event: { model, id, action } } : null;
}
