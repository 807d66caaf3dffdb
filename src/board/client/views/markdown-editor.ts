// A Markdown text field with a Write/Preview toggle, as the task details'
// description, the comment composer and a comment being edited use it. The
// preview is the one renderer's HTML (src/board/markdown.ts: raw HTML shown
// as text, safe links only), so what it shows is what everyone will see; the
// text as typed until the renderer has loaded (../markdown.ts).
import { markdown } from '../markdown.ts';
import { html, View } from '../view.ts';

export interface MarkdownEditorOptions {
  /** The textarea's id; the preview's and hint's ids derive from it. */
  id: string;
  /** Its `name` and `data-field`, where the API's errors for it are shown. */
  name: string;
  label: string;
  value?: string;
  placeholder?: string;
  rows?: number;
  /** The API's limit, checked before sending (forms.ts tooLong). */
  maxChars?: number;
  /** The level of the heading the text is shown under (its preview's headings go below it). */
  under: number;
}

export class MarkdownEditor extends View {
  private readonly fieldId: string;
  private readonly under: number;
  constructor(options: MarkdownEditorOptions) {
    super({ className: 'md-editor', events: { 'click .md-mode': 'switchMode', 'keydown textarea': 'sendOnCtrlEnter' } });
    const { id, name, label, value = '', placeholder = '', rows = 4, maxChars, under } = options;
    this.fieldId = id;
    this.under = under;
    this.setHtml(html`
      <div class="md-editor-head">
        <label for="${id}">${label}</label>
        <span class="md-modes" role="group" aria-label="${label}: write or preview">
          <button type="button" class="md-mode" data-mode="write" aria-pressed="true">Write</button>
          <button type="button" class="md-mode" data-mode="preview" aria-pressed="false" aria-controls="${id}-preview">Preview</button>
        </span>
      </div>
      <textarea id="${id}" name="${name}" data-field="${name}" rows="${rows}" dir="auto" placeholder="${placeholder}" aria-keyshortcuts="Control+Enter Meta+Enter"
        aria-describedby="${id}-hint" ${maxChars ? html`data-max-chars="${maxChars}"` : ''}></textarea>
      <div class="md-preview markdown" id="${id}-preview" role="region" aria-label="${label}: preview" tabindex="0" dir="auto" hidden></div>
      <p class="md-hint" id="${id}-hint">Markdown: **bold**, _italic_, [link](https://…), lists, \`code\`. Ctrl+Enter sends.</p>
      <p class="field-error" data-error-for="${name}"></p>`);
    this.textarea.value = value;
  }

  get textarea(): HTMLTextAreaElement {
    return this.find<HTMLTextAreaElement>('textarea');
  }

  get value(): string {
    return this.textarea.value;
  }

  set value(text: string) {
    this.textarea.value = text;
    if (this.previewing) this.showPreview();
  }

  get previewing(): boolean {
    return this.textarea.hidden;
  }

  focus(): void {
    this.mode('write');
    this.textarea.focus();
  }

  /** Ctrl+Enter (⌘Enter) sends the form the text is in, as in most editors of comments. */
  sendOnCtrlEnter(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    this.textarea.form?.requestSubmit();
  }

  switchMode(_event: Event, button: HTMLElement): void {
    this.mode(button.dataset.mode === 'preview' ? 'preview' : 'write');
    if (!this.previewing) this.textarea.focus();
  }

  /** Write shows the text to edit; Preview shows it rendered, in its place. */
  mode(mode: 'write' | 'preview'): void {
    const preview = mode === 'preview';
    for (const button of this.el.querySelectorAll<HTMLElement>('.md-mode')) button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    this.textarea.hidden = preview;
    this.find(`#${CSS.escape(this.fieldId)}-preview`).hidden = !preview;
    if (preview) this.showPreview();
  }

  private showPreview(): void {
    const text = this.textarea.value;
    this.find('.md-preview').innerHTML = (text.trim() ? markdown(text, this.under) : html`<p class="md-empty">Nothing to preview.</p>`).value;
  }
}
