// What app.ts hands each part (placeholder, pages, board) when it creates it.
import type { Settings } from './settings.ts';

export interface PartContext {
  settings: Settings;
  /** Request and event log; one line per call. */
  log: (line: string) => void;
}
