// npm run deleteuser -- <username>
// Removes a user; their tasks stay on the board, unassigned.
import { CommandError, runCommand } from './command.ts';

await runCommand('Usage: npm run deleteuser -- <username>', {}, async ({ username }, store) => {
  const changed = await store.transaction((tx) => tx.deleteUser(username));
  if (changed === null) throw new CommandError(`user '${username}' does not exist`);
  console.log(`User "${username}" deleted; ${changed.length} task${changed.length === 1 ? '' : 's'} unassigned.`);
});
