// What the board's commands share: settings, the store, arguments, and
// reading a password without echoing it (or from stdin for scripts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openStore, StoreOpenError, type Store } from '../src/board/store.ts';
import { UserError } from '../src/board/users.ts';
import { loadSettings, SettingsError } from '../src/settings.ts';

export class CommandError extends Error {
  override name = 'CommandError';
}

type Body = (args: { username: string; values: Record<string, string | boolean | undefined> }, store: Store) => Promise<void>;

/**
 * Run a command on the board's store (SQLite, or PostgreSQL with DATABASE_URL):
 * its errors become one line on stderr and exit status 1 (2 for configuration).
 * Commands about a user take exactly one username; the others none.
 */
export async function runCommand(usage: string, options: ParseArgsConfig['options'], body: Body, takes: 'username' | 'nothing' = 'username'): Promise<void> {
  let store: Store | undefined;
  try {
    const { values, positionals } = parseArgs({ options, allowPositionals: true });
    const wanted = takes === 'username' ? 1 : 0;
    if (positionals.length !== wanted) throw new CommandError(`${wanted ? 'expected one username' : 'unexpected arguments'}.\n${usage}`);
    const settings = loadSettings(process.env);
    store = await openStore(settings, (line) => console.error(line));
    await body({ username: positionals[0] ?? '', values: values as Record<string, string | boolean | undefined> }, store);
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(`Configuration error: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof CommandError || err instanceof UserError || err instanceof StoreOpenError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`Error: ${(err as Error).message}`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  } finally {
    await store?.close();
  }
}

/** The first line of stdin: `echo "$PASSWORD" | npm run createuser -- bob --password-stdin`. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!password) throw new CommandError('no password on stdin.');
  return password;
}

/** Ask at the terminal without echoing what is typed. */
function ask(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CommandError('cancelled.'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** A new password typed twice at the terminal, asked again until both match and `problem` has none. */
export async function newPasswordFromTerminal(problem: (password: string) => string | null): Promise<string> {
  if (!process.stdin.isTTY) throw new CommandError('no terminal to ask for the password: pipe it in with --password-stdin.');
  for (let attempt = 0; attempt < 3; attempt++) {
    const password = await ask('Password: ');
    const again = await ask('Password (again): ');
    if (password !== again) console.error("Your passwords didn't match.");
    else if (problem(password)) console.error(problem(password));
    else return password;
  }
  throw new CommandError('too many attempts.');
}
