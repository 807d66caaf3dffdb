// npm run changepassword -- <username> [--password-stdin]
// Sets a new password; the user's API token is revoked, so they log in again.
import { changePassword, passwordProblem } from '../src/board/users.ts';
import { CommandError, newPasswordFromTerminal, passwordFromStdin, runCommand } from './command.ts';

const USAGE = 'Usage: npm run changepassword -- <username> [--password-stdin]';

await runCommand(USAGE, { 'password-stdin': { type: 'boolean' } }, async ({ username, values }, store) => {
  if (!(await store.get('user', 'username', username))) throw new CommandError(`user '${username}' does not exist`);
  let password: string;
  if (values['password-stdin']) {
    password = await passwordFromStdin();
    const weak = passwordProblem(password);
    if (weak) throw new CommandError(weak);
  } else {
    console.log(`Changing password for user '${username}'`);
    password = await newPasswordFromTerminal(passwordProblem);
  }
  await changePassword(store, username, password);
  console.log(`Password changed successfully for user '${username}'.`);
});
