// Users of the board: password hashing (salted scrypt from node:crypto) and
// the rules for usernames and passwords, shared by the commands and the demo user.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { UniqueViolation, type Store } from './store.ts';

/** Django's username rule: letters, digits and @/./+/-/_ only, up to 150 characters. */
const USERNAME_PATTERN = /^[\w.@+-]{1,150}$/u;
const MIN_PASSWORD_LENGTH = 8;

// 2^15 × 8 × 128 bytes = 32 MiB and ~0.1 s per hash. The parameters are stored
// with each hash, so raising them later leaves existing passwords valid.
const COST_LOG2 = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`, base64. */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, { N: 2 ** COST_LOG2, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', COST_LOG2, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

/** The book's example user, created with DEBUG on when there are no users at all (never with --host). */
export const DEMO_USER = { username: 'demo', password: 'test', fullName: 'Demo User' };

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, costLog2, r, p, salt, key] = encoded.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), { N: 2 ** Number(costLog2), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;
/** Spend the time of a real check, so that unknown usernames cannot be told apart by timing. */
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoy);
  return false;
}

export function usernameProblem(username: string): string | null {
  return USERNAME_PATTERN.test(username)
    ? null
    : 'Enter a valid username: up to 150 letters, digits and @/./+/-/_ characters.';
}

export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`;
  return null;
}

export class UserError extends Error {
  override name = 'UserError';
}

export async function createUser(store: Store, user: { username: string; fullName?: string; password: string }): Promise<void> {
  const problem = usernameProblem(user.username);
  if (problem) throw new UserError(problem);
  const taken = new UserError('That username is already taken.');
  // Asked first so that a taken name does not cost a password hash; the unique constraint has the last word.
  if (await store.get('user', 'username', user.username)) throw taken;
  const password = await hashPassword(user.password);
  try {
    await store.transaction((tx) => tx.createUser({ username: user.username, fullName: user.fullName ?? '', password }));
  } catch (error) {
    throw error instanceof UniqueViolation ? taken : error;
  }
}

/** New password for an existing user; also revokes their API token (a password change signs them out). */
export async function changePassword(store: Store, username: string, password: string): Promise<void> {
  if (!(await store.get('user', 'username', username))) throw new UserError(`user '${username}' does not exist`);
  const hash = await hashPassword(password);
  const changed = await store.transaction((tx) => tx.setPassword(username, hash));
  if (!changed) throw new UserError(`user '${username}' does not exist`);
}
