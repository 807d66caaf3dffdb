// npm run export > board.json
// Writes the board's whole data (users with their password hashes, sprints,
// tasks, tokens, task history, labels, comments) as JSON on stdout, from DATABASE_URL or the SQLite file at
// DATABASE_PATH; `npm run import` reads it back, into either engine.
import { runCommand } from './command.ts';

await runCommand(
  'Usage: npm run --silent export > board.json',
  {},
  async (_args, store) => {
    const data = await store.transaction((tx) => tx.exportAll(), { readOnly: true });
    await new Promise<void>((resolve, reject) => process.stdout.write(`${JSON.stringify(data, null, 1)}\n`, (error) => (error ? reject(error) : resolve())));
    const counts = `${data.users.length} users, ${data.sprints.length} sprints, ${data.tasks.length} tasks, ${data.tokens.length} tokens, ${data.task_history?.length ?? 0} history entries, ${data.labels?.length ?? 0} labels, ${data.comments?.length ?? 0} comments`;
    console.error(`Exported ${counts} from ${store.engine} (${store.location}).`);
  },
  'nothing',
);
