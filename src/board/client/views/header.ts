// The page header: the title, and once logged in "Your Sprints" and "Logout".
import type { App } from '../app.ts';
import { html, View } from '../view.ts';

export class HeaderView extends View {
  constructor(private readonly app: App, el: HTMLElement) {
    super({ el, events: { 'click .logout': 'logout' } });
    this.listenTo(app.session, 'login logout', this.render);
    this.render();
  }

  override render(): this {
    const loggedIn = this.app.session.authenticated();
    this.setHtml(html`
      <a class="title" href="#">Scrum Board</a>
      ${loggedIn && html`<nav aria-label="Board">
        <a href="#">Your Sprints</a>
        <button type="button" class="logout link">Logout</button>
      </nav>`}`);
    return this;
  }

  async logout(event: Event, button: HTMLButtonElement): Promise<void> {
    event.preventDefault();
    button.disabled = true;
    await this.app.session.logout(); // the router answers the session's `logout` with the login form
  }
}
