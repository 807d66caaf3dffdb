// The page header: the title, and once logged in "Your Sprints" and "Logout";
// while board writes wait for the server, how many ("Offline: 3 changes waiting").
import type { App } from '../app.ts';
import { html, View } from '../view.ts';

export class HeaderView extends View {
  private readonly app: App;
  constructor(app: App, el: HTMLElement) {
    super({ el, events: { 'click .logout': 'logout' } });
    this.app = app;
    this.listenTo(app.session, 'login logout', this.render);
    this.listenTo(app.outbox, 'change', this.showOutbox);
    this.render();
  }

  private showOutbox(): void {
    const state = this.el.querySelector<HTMLElement>('.outbox-state');
    if (!state) return;
    const n = this.app.outbox.waiting.length;
    state.hidden = n === 0;
    state.textContent = n === 0 ? '' : `Offline: ${n} change${n === 1 ? '' : 's'} waiting`;
  }

  override render(): this {
    const loggedIn = this.app.session.authenticated();
    this.setHtml(html`
      <a class="title" href="#">Scrum Board</a>
      <span class="outbox-state" role="status" hidden></span>
      ${loggedIn && html`<nav aria-label="Board">
        <a href="#">Your Sprints</a>
        <button type="button" class="logout link">Logout</button>
      </nav>`}`);
    this.showOutbox();
    return this;
  }

  async logout(event: Event, button: HTMLButtonElement): Promise<void> {
    event.preventDefault();
    button.disabled = true;
    await this.app.session.logout(); // the router answers the session's `logout` with the login form
  }
}
