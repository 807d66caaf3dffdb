// A waiting write met someone else's change: theirs and ours side by side,
// and the person picks which stays.
import { statusName } from '../columns.ts';
import { labelName } from '../labels.ts';
import { same, type QueuedWrite } from '../outbox.ts';
import { html } from '../view.ts';

const LABELS: Record<string, string> = { status: 'Column', sprint: 'Sprint', order: 'Position', started: 'Started', completed: 'Completed', name: 'Name', description: 'Description', due: 'Due', assigned: 'Assigned to', points: 'Story points', labels: 'Labels' };

function shown(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'status') return statusName(Number(value));
  if (Array.isArray(value)) return value.length ? value.map(labelName).join(', ') : '—';
  return String(value);
}

/** Resolves true to send ours over theirs, false to keep theirs. */
export function askConflict(write: QueuedWrite, server: Record<string, unknown>): Promise<boolean> {
  const dialog = document.createElement('dialog');
  dialog.className = 'conflict';
  dialog.setAttribute('aria-labelledby', 'conflict-title');
  // A removal changes no field: what it met is the fields someone else changed since the person saw them.
  const removal = write.kind === 'remove';
  const mine = removal ? write.base : write.changes;
  const fields = Object.keys(mine).filter((field) => !removal || !same(server[field], mine[field]));
  dialog.innerHTML = html`<h2 id="conflict-title">Someone else changed “<bdi>${server.name}</bdi>” meanwhile</h2>
    <p>Your change (${write.label}) waited while the server could not be reached. Which one should stay?</p>
    <table>
      <thead><tr><th scope="col">Field</th><th scope="col">${removal ? 'When you deleted it' : 'Yours'}</th><th scope="col">Theirs, on the server</th></tr></thead>
      <tbody>${fields.map((field) => html`<tr><th scope="row">${LABELS[field] ?? field}</th><td class="mine" dir="auto">${shown(field, mine[field])}</td><td class="theirs" dir="auto">${shown(field, server[field])}</td></tr>`)}</tbody>
    </table>
    <div class="actions"><button type="button" class="primary keep-mine">${removal ? 'Delete it anyway' : 'Keep mine'}</button><button type="button" class="keep-theirs">Keep theirs</button></div>`.value;
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (keepMine: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(keepMine);
    };
    dialog.querySelector('.keep-mine')!.addEventListener('click', () => done(true));
    dialog.querySelector('.keep-theirs')!.addEventListener('click', () => done(false));
    // Escape is no answer: the write would wait forever.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
  });
}
