// npm run migrate
// Applies the board's migrations to its database (DATABASE_URL, or the SQLite
// file at DATABASE_PATH) and exits: for a deploy step that runs before the
// app processes start. (They migrate at start-up too; this is the same code.)
import { MIGRATIONS } from '../src/board/migrations.ts';
import { runCommand } from './command.ts';

await runCommand(
  'Usage: npm run migrate',
  {},
  async (_args, store) => {
    console.log(`Board database (${store.engine}, ${store.location}) is up to date: ${MIGRATIONS.length} migrations applied.`);
  },
  'nothing',
);
