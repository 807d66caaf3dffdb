// npm run createuser -- <username> [--full-name "..."] [--password-stdin]
// Adds a user of the Scrum board to its database (DATABASE_URL, or the SQLite file at DATABASE_PATH).
import { createUser, passwordProblem, usernameProblem } from '../src/board/users.ts';
import { CommandError, newPasswordFromTerminal, passwordFromStdin, runCommand } from './command.ts';

const USAGE = 'Usage: npm run createuser -- <username> [--full-name "Full Name"] [--password-stdin]';

await runCommand(USAGE, { 'full-name': { type: 'string' }, 'password-stdin': { type: 'boolean' } }, async ({ username, values }, store) => {
  const problem = usernameProblem(username);
  if (problem) throw new CommandError(problem);
  if (await store.get('user', 'username', username)) throw new CommandError('That username is already taken.');
  let password: string;
  if (values['password-stdin']) {
    password = await passwordFromStdin();
    const weak = passwordProblem(password);
    if (weak) throw new CommandError(weak);
  } else {
    password = await newPasswordFromTerminal(passwordProblem);
  }
  await createUser(store, { username, fullName: (values['full-name'] as string | undefined) ?? '', password });
  console.log(`User "${username}" created.`);
});
