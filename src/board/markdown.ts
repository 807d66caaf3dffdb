// The one Markdown renderer of task descriptions and comments, on the server
// and in the board client (esbuild bundles it): CommonMark (markdown-it's
// preset) with raw HTML shown as text, links that open without handing the
// board to the page they open (rel="noopener noreferrer"), and nothing that
// can run script: only http(s), mailto and in-page or relative URLs are
// links; images become links too, so a comment cannot make every viewer's
// browser fetch a URL of its author's choosing.
import MarkdownIt from 'markdown-it';

/** Schemes a link may have; anything else (javascript:, data:, vbscript:, file:, ...) is shown as text. */
const SAFE_URL = /^(?:https?:|mailto:|#|\?|\/(?![/\\])|\.{1,2}\/|[^:/?#\\]+(?:[/?#]|$))/i;

const markdown = new MarkdownIt('commonmark', { html: false, linkify: false, breaks: true });

// Control characters and whitespace that browsers strip from URLs before reading their scheme ("java\tscript:").
markdown.validateLink = (url) => SAFE_URL.test(url.replace(/[\u0000-\u0020\u007f-\u009f]/g, ''));
markdown.disable('image');

markdown.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  const token = tokens[index]!;
  // Other sites open in a tab of their own: the board stays where it was.
  if (/^https?:/i.test(String(token.attrGet('href') ?? ''))) token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return self.renderToken(tokens, index, options);
};

/** Markdown as HTML that is safe to insert into the board: CommonMark, raw HTML escaped, safe links only. */
export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
