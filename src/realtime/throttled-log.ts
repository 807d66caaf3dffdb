// A log that a misbehaving client cannot flood: per kind of line, the first
// few of each window are written, the rest are counted and summed up in one
// line when the window ends.

export interface ThrottledLog {
  write(kind: string, line: string): void;
  /** Write the pending summaries now and stop the timers. */
  close(): void;
}

export function createThrottledLog(
  log: (line: string) => void,
  { linesPerWindow = 10, windowMs = 60_000 }: { linesPerWindow?: number; windowMs?: number } = {},
): ThrottledLog {
  const windows = new Map<string, { written: number; suppressed: number; timer: NodeJS.Timeout }>();

  const endWindow = (kind: string) => {
    const window = windows.get(kind);
    if (!window) return;
    clearTimeout(window.timer);
    windows.delete(kind);
    if (window.suppressed > 0) {
      log(`realtime: ${window.suppressed} more ${kind} not logged in the last ${Math.round(windowMs / 1000)} s`);
    }
  };

  return {
    write(kind, line) {
      let window = windows.get(kind);
      if (!window) {
        window = { written: 0, suppressed: 0, timer: setTimeout(() => endWindow(kind), windowMs).unref() };
        windows.set(kind, window);
      }
      if (window.written < linesPerWindow) {
        window.written++;
        log(line);
      } else {
        window.suppressed++;
      }
    },
    close() {
      for (const kind of [...windows.keys()]) endWindow(kind);
    },
  };
}
