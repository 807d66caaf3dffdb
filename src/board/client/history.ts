// A task's history in words, as the task details show it: "demo moved it from
// Not Started to In Development · 2 hours ago". Plain functions over the
// API's entries (GET /api/tasks/<id>/history/), newest first.
import { COLUMNS, columnOf } from './columns.ts';
import { showDate } from './dates.ts';
import { labelName } from './labels.ts';
import { html, quotedName, type SafeHtml } from './view.ts';

export interface HistoryEntry {
  task: number;
  at: string;
  user: string | null;
  /** `comment`: a comment added, edited or deleted (changes `comment` and `body`); it changes nothing of the task. */
  action: 'add' | 'update' | 'remove' | 'comment';
  changes: Record<string, [unknown, unknown]>;
  restored_from: number | null;
}

type State = Record<string, unknown>;

/** Where a task stood, in words, seen from the board of sprint `sprintId`. */
function place(state: State, sprintId: number): string {
  const sprint = (state.sprint as number | null | undefined) ?? null;
  const column = columnOf({ id: 0, order: 0, sprint, status: Number(state.status ?? 1) }, sprintId);
  if (column) return column.title;
  return sprint === null ? COLUMNS[0]!.title : `sprint ${sprint}`;
}


/** What one update did, as phrases: the move first, then each edited field. */
function updatePhrases(changes: HistoryEntry['changes'], before: State, after: State, sprintId: number): Array<string | SafeHtml> {
  const phrases: Array<string | SafeHtml> = [];
  const from = place(before, sprintId);
  const to = place(after, sprintId);
  if (from !== to) phrases.push(`moved it from ${from} to ${to}`);
  else if (changes.order && !changes.status && !changes.sprint) phrases.push(`reordered it in ${to}`);
  if (changes.name) phrases.push(html`renamed it to ${quotedName(changes.name[1])}`);
  if (changes.description) phrases.push(changes.description[1] ? 'changed the description' : 'cleared the description');
  if (changes.assigned) phrases.push(changes.assigned[1] === null ? 'unassigned it' : html`assigned it to <bdi>${String(changes.assigned[1])}</bdi>`);
  if (changes.due) phrases.push(changes.due[1] === null ? 'cleared the due date' : `set the due date to ${showDate(String(changes.due[1]))}`);
  if (changes.points) phrases.push(changes.points[1] === null ? 'cleared the points' : `set the points to ${String(changes.points[1])}`);
  if (changes.labels) phrases.push(...labelPhrases(changes.labels));
  if (phrases.length === 0 && changes.status) phrases.push(`set its status to ${place(after, sprintId)}`);
  if (phrases.length === 0) phrases.push(`changed ${Object.keys(changes).join(', ')}`);
  return phrases;
}

/** "labelled it “Bug”", "took the label “UI” off": each label put on or taken off, by its name (or "label #4" once deleted). */
function labelPhrases([before, after]: [unknown, unknown]): SafeHtml[] {
  const ids = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : []);
  const added = ids(after).filter((id) => !ids(before).includes(id));
  const removed = ids(before).filter((id) => !ids(after).includes(id));
  const names = (list: number[]) => html`${list.map((id, i) => html`${i ? ', ' : ''}${quotedName(labelName(id))}`)}`;
  return [
    ...(added.length ? [html`labelled it ${names(added)}`] : []),
    ...(removed.length ? [html`took ${removed.length === 1 ? 'the label' : 'the labels'} ${names(removed)} off`] : []),
  ];
}

const joined = (phrases: Array<string | SafeHtml>): SafeHtml =>
  phrases.length <= 1 ? html`${phrases[0] ?? ''}` : html`${phrases.slice(0, -1).map((phrase, i) => html`${i ? ', ' : ''}${phrase}`)} and ${phrases.at(-1)}`;

/** "2 hours ago", "just now", "in 3 minutes" (a clock ahead of ours). */
export function ago(at: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [['year', 31_536_000], ['month', 2_592_000], ['week', 604_800], ['day', 86_400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  return format.format(seconds, 'second');
}

/**
 * Each entry (newest first) as a sentence without its time, names isolated (`<bdi>`). `current` is the
 * task as it is now (null once deleted): walking back from it, each entry's
 * before and after states are known even when older entries are on a later
 * page.
 */
/** "demo commented", "demo edited a comment", "demo deleted a comment". */
function commentPhrase(entry: HistoryEntry): SafeHtml {
  const who = entry.user === null ? 'Someone' : html`<bdi>${entry.user}</bdi>`;
  const [old, now] = entry.changes.comment ?? [null, null];
  if (old === null) return html`${who} commented`;
  if (now === null) return html`${who} deleted a comment`;
  return html`${who} edited a comment`;
}

export function describeEntries(entries: HistoryEntry[], current: State | null, sprintId: number): SafeHtml[] {
  let after: State = { ...(current ?? {}) };
  return entries.map((entry) => {
    if (entry.action === 'comment') return commentPhrase(entry);
    const before: State = { ...after };
    for (const [field, [old]] of Object.entries(entry.changes)) before[field] = old;
    const now: State = { ...after };
    for (const [field, [, value]] of Object.entries(entry.changes)) now[field] = value;
    after = before;
    const who = entry.user === null ? 'A command' : html`<bdi>${entry.user}</bdi>`;
    if (entry.action === 'add') {
      if (entry.restored_from !== null) return html`${who} restored it (deleted as #${entry.restored_from})`;
      return html`${who} added it to ${place(now, sprintId)}`;
    }
    if (entry.action === 'remove') return html`${who} deleted it`;
    return html`${who} ${joined(updatePhrases(entry.changes, before, now, sprintId))}`;
  });
}
