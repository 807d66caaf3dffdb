// The book's router: `#` home, `#sprint/<id>` a board; the login form in
// place of any screen while there is no valid token, and that screen again
// once the person has logged in.
import Backbone from 'backbone';
import type { App, Screen } from './app.ts';
import { parseFilters } from './filters.ts';
import { html } from './view.ts';
import { HomeView } from './views/home.ts';
import { LoginView } from './views/login.ts';
import { SprintView } from './views/sprint.ts';

export class BoardRouter extends Backbone.Router {
  private current: Screen | null = null;

  private readonly app: App;
  private readonly main: HTMLElement;
  constructor(
    app: App,
    main: HTMLElement,
  ) {
    super({ routes: { '': 'home', 'sprint/:id': 'sprint', '*path': 'notFound' } });
    this.app = app;
    this.main = main;
    this.listenTo(app.session, 'logout', this.login);
    // Back from the login form: run the route of the current URL again.
    this.listenTo(app.session, 'login', () => Backbone.history.loadUrl());
  }

  override execute(callback: Backbone.RouterCallback | undefined, args: string[]): boolean {
    if (!this.app.session.authenticated()) {
      this.login();
      return false;
    }
    callback?.apply(this, args);
    return true;
  }

  home(): void {
    this.show(new HomeView(this.app));
  }

  /** A board, its filters in the query (`#sprint/3?q=login`): the board shown already only filters again. */
  sprint(id: string, query: string | null): void {
    // Ids are numbers; "#sprint/07" is sprint 7 and "#sprint/x" no sprint at all.
    const filters = parseFilters(query);
    if (this.current instanceof SprintView && this.current.sprintId === Number(id)) this.current.applyFilters(filters);
    else if (/^\d{1,15}$/.test(id) && Number(id) > 0) this.show(new SprintView(this.app, Number(id), filters));
    else this.show(message(html`<p>Sprint ${id} not found.</p><a href="#">Back to your sprints</a>`));
  }

  notFound(path: string): void {
    this.show(message(html`<p>Nothing is at #${path}.</p><a href="#">Go to your sprints</a>`));
  }

  private login(): void {
    this.show(new LoginView(this.app));
  }

  private show(screen: Screen): void {
    this.current?.remove();
    this.current = screen;
    this.main.replaceChildren(screen.el);
  }
}

function message(markup: ReturnType<typeof html>): Screen {
  const el = document.createElement('div');
  el.className = 'failure';
  el.setAttribute('role', 'alert');
  el.innerHTML = markup.value;
  return { el, remove: () => el.remove() };
}
