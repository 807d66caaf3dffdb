// Login (chapter 5): username and password for an API token. The API's
// messages go beside the fields; "Unable to log in..." goes above the form.
import type { App } from '../app.ts';
import { busy, clearErrors, formValues, showErrors } from '../forms.ts';
import { html, View } from '../view.ts';

export class LoginView extends View {
  private readonly app: App;
  constructor(app: App) {
    super({ tagName: 'section', className: 'login', events: { 'submit form': 'submit' } });
    this.app = app;
    document.title = 'Log in · Scrum Board';
    this.setHtml(html`
      <form class="card" novalidate>
        <h1>Log in</h1>
        <div class="form-errors" role="alert"></div>
        <label for="login-username">Username</label>
        <input id="login-username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required>
        <p class="field-error" data-error-for="username"></p>
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required>
        <p class="field-error" data-error-for="password"></p>
        <button type="submit" class="primary">Log in</button>
      </form>`);
    queueMicrotask(() => this.find<HTMLInputElement>('input').focus());
  }

  async submit(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const { username = '', password = '' } = formValues(form);
    try {
      // Success triggers the session's `login`; the router then shows where the person was going.
      await busy(form, 'Logging in…', () => this.app.session.login(username, password));
    } catch (error) {
      showErrors(form, error);
    }
  }
}
