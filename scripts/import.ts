// npm run import < board.json
// Loads what `npm run export` wrote into an empty board (DATABASE_URL, or the
// SQLite file at DATABASE_PATH), ids and password hashes included, in one
// transaction: either everything is imported or nothing is.
import { EXPORT_TABLES, EXPORT_VERSION, TABLES, type BoardData } from '../src/board/store.ts';
import { CommandError, runCommand } from './command.ts';

/** The file as BoardData, or a CommandError saying what is wrong with it. */
function parseBoardData(text: string): BoardData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CommandError(`stdin is not JSON (${(error as Error).message}). Pipe in a file written by \`npm run export\`.`);
  }
  const object = data as Partial<BoardData> | null;
  if (typeof object !== 'object' || object === null || object.format !== 'lightweight-board') {
    throw new CommandError('stdin is JSON but not a board export (no "format": "lightweight-board"). Pipe in a file written by `npm run export`.');
  }
  if (object.version !== 1 && object.version !== 2 && object.version !== EXPORT_VERSION) {
    throw new CommandError(`this export has version ${String(object.version)}; this app reads versions 1 to ${EXPORT_VERSION}. Import it with the version of the app that wrote it.`);
  }
  const { tables, ids } = EXPORT_TABLES[object.version];
  for (const table of TABLES) {
    // Version 1 predates task history; version 2 labels and comments.
    if (!tables.includes(table)) continue;
    const rows = object[table];
    if (!Array.isArray(rows)) throw new CommandError(`the export has no "${table}" list.`);
    rows.forEach((row, i) => {
      const ok = typeof row === 'object' && row !== null && !Array.isArray(row) && Object.values(row).every((v) => v === null || typeof v === 'string' || typeof v === 'number');
      if (!ok) throw new CommandError(`${table}[${i}] is not an object of strings, numbers and nulls.`);
    });
  }
  const nextIds = object.next_ids as Record<string, unknown> | undefined;
  if (typeof nextIds !== 'object' || nextIds === null || !ids.every((table) => Number.isSafeInteger(nextIds[table]))) {
    throw new CommandError(`the export has no "next_ids" with a whole number for ${ids.join(', ')}.`);
  }
  return object as BoardData;
}

await runCommand(
  'Usage: npm run import < board.json',
  {},
  async (_args, store) => {
    if (process.stdin.isTTY) throw new CommandError('pipe the export in: npm run import < board.json');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const data = parseBoardData(Buffer.concat(chunks).toString('utf8'));
    const existing = await store.tableCounts();
    const held = TABLES.filter((table) => existing[table] > 0).map((table) => `${existing[table]} ${table}`);
    if (held.length) {
      throw new CommandError(`the board at ${store.location} is not empty (${held.join(', ')}). Import into a new, empty database, so that nothing is overwritten.`);
    }
    try {
      await store.transaction((tx) => tx.importAll(data));
    } catch (error) {
      throw new CommandError(`nothing was imported: ${(error as Error).message}`);
    }
    const history = data.task_history ? `${data.task_history.length} history entries` : 'each task\'s history begun';
    console.log(`Imported ${data.users.length} users, ${data.sprints.length} sprints, ${data.tasks.length} tasks (${history}) and ${data.tokens.length} tokens${data.labels ? `, ${data.labels.length} labels, ${data.comments?.length ?? 0} comments` : ''} into ${store.engine} (${store.location}).`);
  },
  'nothing',
);
