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
  /** Go to a screen, e.g. `sprint/3`; `trigger: false` only changes the URL (as filters do, with `replace`). */
  navigate(fragment: string, options?: { replace?: boolean; trigger?: boolean }): void;
}

/** Something to show in the page's main area. */
export interface Screen {
  el: HTMLElement;
  remove(): unknown;
}
