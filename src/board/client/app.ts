// What every screen is handed: the session, the API's resource URLs and a way
// to go to another screen.
import type { ApiRoot } from './models.ts';
import type { Outbox } from './outbox.ts';
import type { Session } from './session.ts';

export interface App {
  session: Session;
  /** Board writes waiting for the server (kept across reloads). */
  outbox: Outbox;
  /** The API root's links, fetched once (and again after a failure). */
  root(): Promise<ApiRoot>;
  /** Go to a screen, e.g. `sprint/3`. */
  navigate(fragment: string): void;
}

/** Something to show in the page's main area. */
export interface Screen {
  el: HTMLElement;
  remove(): unknown;
}
