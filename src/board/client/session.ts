// Who is logged in: the API token, kept in localStorage as the book does.
// Any 401 drops it; the router then shows the login form and, once the person
// is back, the screen they were on.
import Backbone from 'backbone';
import { ApiError, request } from './api.ts';

const STORAGE_KEY = 'board.token';

function readToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policies): log in for this page only
  }
}

function writeToken(token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Same as above: the token then lives only in memory.
  }
}

/** Triggers `login` and `logout` (the latter also when the API refuses the token). */
export class Session extends Backbone.Model {
  private token: string | null = readToken();
  /** Whose token it is, asked once per token. */
  private owner: Promise<string> | null = null;

  private readonly loginUrl: string;
  constructor(loginUrl: string) {
    super();
    this.loginUrl = loginUrl;
    // Another tab logging in or out changes this one too.
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY) return;
      const wasIn = this.authenticated();
      this.token = event.newValue;
      this.owner = null;
      if (wasIn !== this.authenticated()) this.trigger(this.authenticated() ? 'login' : 'logout');
    });
  }

  authenticated(): boolean {
    return this.token !== null;
  }

  currentToken(): string | null {
    return this.token;
  }

  /** The username the token belongs to (the board's "me"): GET on the login URL. */
  username(): Promise<string> {
    if (!this.owner) {
      const asking = request(this.loginUrl).then((answer) => {
        const username = (answer as { username?: unknown } | null)?.username;
        if (typeof username !== 'string') throw new ApiError(500, 'The server did not say who is logged in.');
        return username;
      });
      asking.catch(() => this.owner === asking && (this.owner = null)); // asked again next time
      this.owner = asking;
    }
    return this.owner;
  }

  /** Rejects with the API's ApiError (field errors in `body`) when the credentials are refused. */
  async login(username: string, password: string): Promise<void> {
    const answer = (await request(this.loginUrl, { method: 'POST', body: { username, password } })) as { token?: unknown };
    if (typeof answer?.token !== 'string') throw new ApiError(500, 'The server sent no token.');
    this.token = answer.token;
    this.owner = null;
    writeToken(this.token);
    this.trigger('login');
  }

  /** Revokes the token on the server (best effort: the local copy goes either way). */
  async logout(): Promise<void> {
    if (this.token) await request(this.loginUrl, { method: 'DELETE' }).catch(() => {});
    this.drop();
  }

  /** Forget the token, e.g. after the API answered 401. */
  drop(): void {
    if (this.token === null) return;
    this.token = null;
    this.owner = null;
    writeToken(null);
    this.trigger('logout');
  }
}
