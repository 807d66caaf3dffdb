// Who is asking: DRF's TokenAuthentication and BasicAuthentication with their
// messages, the token endpoint's login, throttling of repeated failures, a
// short-lived cache of verified Basic credentials (so a client that keeps
// sending the same ones does not pay a password hash per request), and the
// cross-site rule that keeps the browsable API from making the API a CSRF
// target.
import { hash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { forgeryReason, originCheck } from '../csrf.ts';
import { clientAddress, HttpError, requestOrigin } from '../http.ts';
import type { Settings } from '../settings.ts';
import type { Credentials, Store, TokenUser } from './store.ts';
import type { FailureCounter } from './throttle.ts';
import { dictionary, ValidationError } from './fields.ts';
import { DEMO_USER, verifyDecoyPassword, verifyPassword } from './users.ts';

export interface Caller {
  id: number;
  username: string;
  scheme: 'token' | 'basic';
}

const LOGIN_FAILED = 'Unable to log in with provided credentials.';
// Counted per username and address together, so that hammering an account from one place never
// locks its owner out elsewhere; and per address across usernames, so that one place cannot try
// a few passwords on every account.
const FAILURES_PER_USERNAME_AND_CLIENT = 5;
const FAILURES_PER_CLIENT = 20;
export const FAILURE_WINDOW_MS = 5 * 60_000;
const VERIFIED_TTL_MS = 2 * 60_000;
const VERIFIED_MAX_ENTRIES = 10_000;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Credentials verified recently, keyed by a SHA-256 of a per-process secret,
 * username and password: the plain password is never kept. (One-shot
 * hashing: an HMAC object per request cost Basic requests 5% of their time.) An entry holds
 * the password hash it was verified against and is checked against the
 * stored one whenever the store's credentials version has moved (or cannot
 * be known), so a password change or deactivation (by the changepassword
 * command, or through another process sharing the database) drops it.
 */
class VerifiedCredentials {
  readonly #key = randomBytes(32).toString('base64');
  readonly #entries = new Map<string, { user: Credentials; version: number | null; expires: number }>();

  fingerprint(username: string, password: string): string {
    // The secret has a fixed length and the username's length is given: no two pairs make the same input.
    return hash('sha256', `${this.#key}${username.length}:${username}${password}`, 'base64');
  }

  async lookup(fingerprint: string, store: Store): Promise<Credentials | null> {
    const entry = this.#entries.get(fingerprint);
    if (!entry || entry.expires <= Date.now()) return null;
    const version = store.credentialsVersion();
    if (version !== null && entry.version === version) return entry.user;
    const user = await store.credentialsById(entry.user.id);
    if (user && user.is_active && user.password === entry.user.password) {
      entry.version = version;
      return user;
    }
    this.#entries.delete(fingerprint);
    return null;
  }

  remember(fingerprint: string, user: Credentials, version: number | null): void {
    if (this.#entries.size >= VERIFIED_MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(fingerprint, { user, version, expires: Date.now() + VERIFIED_TTL_MS });
  }
}

/**
 * Token → user, as the store said for one credentials version: a revoked
 * token, a new one or a deactivated user moves the version, here at once and
 * in every other process within milliseconds. While the version cannot be
 * known (the store has lost its channel to the other processes), every
 * lookup reads the store.
 */
export class TokenCache {
  readonly #store: Store;
  readonly #entries = new Map<string, { version: number; user: TokenUser | undefined }>();

  constructor(store: Store) {
    this.#store = store;
  }

  async user(key: string): Promise<TokenUser | undefined> {
    // Read before the store is asked: a change landing meanwhile leaves the entry already stale.
    const version = this.#store.credentialsVersion();
    if (version === null) return this.#store.userByToken(key);
    const known = this.#entries.get(key);
    if (known && known.version === version) return known.user;
    const user = await this.#store.userByToken(key);
    if (this.#entries.size >= VERIFIED_MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { version, user });
    return user;
  }
}

export class Auth {
  readonly #store: Store;
  readonly #settings: Settings;
  readonly #failures: FailureCounter;
  readonly #verified = new VerifiedCredentials();
  readonly #pending = new Map<string, Promise<Credentials | null>>();
  readonly #tokens: TokenCache;
  readonly #trustedOrigin: (origin: string) => boolean;

  constructor(store: Store, settings: Settings, failures: FailureCounter) {
    this.#store = store;
    this.#trustedOrigin = originCheck(settings.csrfTrustedOrigins);
    this.#tokens = new TokenCache(store);
    this.#settings = settings;
    this.#failures = failures;
  }

  /**
   * The user whose username and password these are, or null. Throttled:
   * after repeated failures for a username from one client address, or from
   * that address for any usernames, 429 there until the window ends,
   * whatever the password; the same username from elsewhere still logs in.
   */
  async verify(c: Context, username: string, password: string): Promise<Credentials | null> {
    const address = clientAddress(c, this.#settings);
    // An address holds no space, so the first one ends it: no two pairs make the same key.
    const userKey = `user:${address} ${username.toLowerCase()}`;
    const clientKey = `client:${address}`;
    // Before the cache of verified credentials: a throttled address must not learn that a guess is right
    // (200 instead of 429) because the owner logged in elsewhere a moment ago.
    const waits = await Promise.all([this.#failures.wait(userKey, FAILURES_PER_USERNAME_AND_CLIENT), this.#failures.wait(clientKey, FAILURES_PER_CLIENT)]);
    const wait = Math.max(...waits);
    if (wait > 0) {
      throw new HttpError(429, `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`, { 'Retry-After': String(wait) });
    }

    const fingerprint = this.#verified.fingerprint(username, password);
    const known = await this.#verified.lookup(fingerprint, this.#store);
    if (known) return known;

    // Concurrent requests with the same credentials share one hash.
    let pending = this.#pending.get(fingerprint);
    if (!pending) {
      pending = this.#check(username, password).finally(() => this.#pending.delete(fingerprint));
      this.#pending.set(fingerprint, pending);
    }
    const version = this.#store.credentialsVersion();
    const user = await pending;
    if (user) {
      this.#verified.remember(fingerprint, user, version);
      await this.#failures.clear(userKey);
    } else {
      await Promise.all([this.#failures.fail(userKey), this.#failures.fail(clientKey)]);
    }
    return user;
  }

  async #check(username: string, password: string): Promise<Credentials | null> {
    // On a LAN (--host) the password everyone knows opens nothing.
    if (this.#settings.lan && username === DEMO_USER.username && password === DEMO_USER.password) return verifyDecoyPassword(password).then(() => null);
    const user = await this.#store.credentialsByUsername(username);
    if (!user) return verifyDecoyPassword(password).then(() => null);
    return (await verifyPassword(password, user.password)) && user.is_active ? user : null;
  }

  /**
   * The caller of an API request, from `Authorization: Token <key>` or
   * `Basic <base64>`; 401 with DRF's messages otherwise. `html` picks the
   * WWW-Authenticate challenge: Basic makes a browser prompt, Token never does.
   */
  async authenticate(c: Context, options: { html: boolean }): Promise<Caller> {
    const challenge = { 'WWW-Authenticate': options.html ? 'Basic realm="api"' : 'Token' };
    const unauthorized = (detail: string) => new HttpError(401, detail, challenge);
    const parts = (c.req.header('authorization') ?? '').trim().split(/\s+/).filter(Boolean);
    const scheme = parts[0]?.toLowerCase();

    if (scheme === 'token') {
      if (parts.length === 1) throw unauthorized('Invalid token header. No credentials provided.');
      if (parts.length > 2) throw unauthorized('Invalid token header. Token string should not contain spaces.');
      const user = /^[0-9a-f]{40}$/.test(parts[1]!) ? await this.#tokens.user(parts[1]!) : undefined;
      if (!user) throw unauthorized('Invalid token.');
      if (!user.is_active) throw unauthorized('User inactive or deleted.');
      return { id: user.id, username: user.username, scheme: 'token' };
    }

    if (scheme === 'basic') {
      if (parts.length === 1) throw unauthorized('Invalid basic header. No credentials provided.');
      if (parts.length > 2) throw unauthorized('Invalid basic header. Credentials string should not contain spaces.');
      const encoded = parts[1]!;
      const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon === -1) throw unauthorized('Invalid basic header. Credentials not correctly base64 encoded.');
      if (STATE_CHANGING.has(c.req.method)) {
        // Browsers replay cached Basic credentials on their own, even for another site's form.
        const reason = forgeryReason(requestOrigin(c, this.#settings), (name) => c.req.header(name), this.#trustedOrigin);
        if (reason) {
          throw new HttpError(403, `CSRF Failed: ${reason}. Cross-site requests must authenticate with a token, not Basic credentials.`);
        }
      }
      const user = await this.verify(c, decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!user) throw unauthorized('Invalid username/password.');
      return { id: user.id, username: user.username, scheme: 'basic' };
    }

    throw unauthorized('Authentication credentials were not provided.');
  }

  /** POST /api/token/: the user's token (the same one on every login, as DRF's authtoken). */
  async login(c: Context, data: unknown): Promise<string> {
    const fields = dictionary(data);
    const errors: Record<string, string[]> = {};
    const credentials: Record<string, string> = {};
    for (const name of ['username', 'password']) {
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (value === undefined) errors[name] = ['This field is required.'];
      else if (value === null) errors[name] = ['This field may not be null.'];
      else if (typeof value !== 'string') errors[name] = ['Not a valid string.'];
      else if (value === '') errors[name] = ['This field may not be blank.'];
      else if (value.includes('\0')) errors[name] = ['Null characters are not allowed.'];
      else credentials[name] = value;
    }
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const user = await this.verify(c, credentials.username!, credentials.password!);
    if (!user) throw new ValidationError({ non_field_errors: [LOGIN_FAILED] });
    return this.#store.transaction((tx) => tx.tokenFor(user.id, () => randomBytes(20).toString('hex')));
  }

  /** DELETE /api/token/: the caller's token stops working; the next login makes a new one. */
  async logout(caller: Caller): Promise<void> {
    await this.#store.transaction((tx) => tx.deleteToken(caller.id));
  }
}
