// Fenced code in a Markdown page (```js, ```html, ...) highlighted when the
// page renders, with Shiki: the TextMate grammars of VS Code, as Astro uses
// them. The page gets token spans with classes (`tok-keyword`), never a
// `style` attribute, so the Content-Security-Policy needs nothing new; their
// colours are in the stylesheet (static/css/site.css), where a designer can
// change them. No script is sent to the browser.
//
// Shiki loads lazily: nothing at startup, then each language the first time
// a page uses it. Rendering is synchronous (nunjucks, markdown-it) and
// loading is not, so a block whose language is not loaded yet comes out
// plain and its language is noted (`takeWantedLanguages`); the renderer
// loads the languages and renders that page again, once per language per
// process. An unknown language is plain code, as it always was.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { escapeHtml } from '../http.ts';
import type { HighlighterCore, LanguageRegistration, ThemedToken } from 'shiki/core';

/** The languages highlighted, by the names a fence may give them (lowercase), to Shiki's grammar modules. */
const GRAMMARS: Record<string, string> = {
  js: 'javascript',
  javascript: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  typescript: 'typescript',
  html: 'html',
  css: 'css',
  json: 'json',
  bash: 'shellscript',
  sh: 'shellscript',
  shell: 'shellscript',
  shellscript: 'shellscript',
  zsh: 'shellscript',
  yaml: 'yaml',
  yml: 'yaml',
};

/** Shiki's css-variables theme names each colour `var(--tok-<kind>)`; a token's kind becomes its class. */
const THEME = 'lightweight';
const TOKEN_KIND = /^var\(--tok-(?:token-)?([a-z-]+)\)$/;
/** Font styles (Shiki's bit flags) as classes. */
const FONT_STYLES: Array<[number, string]> = [
  [1, 'tok-italic'],
  [2, 'tok-bold'],
  [4, 'tok-underline'],
];

/** Blocks kept highlighted (a server renders a page on every request): by language and code. */
const REMEMBERED = 500;

let highlighter: Promise<HighlighterCore> | null = null;
/** The highlighter once loaded (a language is marked loaded only after it is). */
let shikiReady: HighlighterCore | null = null;
const loaded = new Set<string>();
const wanted = new Set<string>();
const remembered = new Map<string, string>();
/** Blocks highlighted by Shiki in this process (what a cached build must not add to). */
let highlightedBlocks = 0;

export const highlightCounts = () => ({ blocks: highlightedBlocks, languages: [...loaded].sort() });

const grammarOf = (lang: string): string | undefined => GRAMMARS[lang.toLowerCase()];

function createHighlighter(): Promise<HighlighterCore> {
  return (async () => {
    const [{ createHighlighterCore, createCssVariablesTheme }, { createOnigurumaEngine }] = await Promise.all([
      import('shiki/core'),
      import('shiki/engine/oniguruma'),
    ]);
    return createHighlighterCore({
      themes: [createCssVariablesTheme({ name: THEME, variablePrefix: '--tok-', fontStyle: true })],
      langs: [],
      // Oniguruma (as WebAssembly, on the server): the grammars' own regex engine, and the faster one to start.
      // Read from its file: Shiki's inlined copy decodes itself with a Response, which the HTTP server replaces.
      engine: createOnigurumaEngine(readFile(createRequire(import.meta.url).resolve('shiki/onig.wasm'))),
    });
  })();
}

/** Load the grammars of these languages (as takeWantedLanguages gave them); the first call loads Shiki. */
export async function loadLanguages(languages: Iterable<string>): Promise<void> {
  const grammars = [...new Set([...languages].map(grammarOf).filter((g): g is string => g !== undefined && !loaded.has(g)))];
  if (grammars.length === 0) return;
  highlighter ??= createHighlighter();
  const shiki = await highlighter;
  shikiReady = shiki;
  const modules = await Promise.all(grammars.map((grammar) => import(`shiki/langs/${grammar}.mjs`) as Promise<{ default: LanguageRegistration[] }>));
  await shiki.loadLanguage(...modules.map((module) => module.default));
  for (const grammar of grammars) loaded.add(grammar);
}

/** The languages blocks asked for since the last call that are not loaded yet. */
export function takeWantedLanguages(): string[] {
  const languages = [...wanted];
  wanted.clear();
  return languages;
}

/**
 * The inner HTML of a `<code>` block in `lang`: token spans, or '' for plain
 * code (an unknown language, or one not loaded yet, which is then noted).
 */
export function highlightCode(code: string, lang: string): string {
  const grammar = grammarOf(lang);
  if (!grammar) return '';
  if (!loaded.has(grammar)) {
    wanted.add(grammar);
    return '';
  }
  const key = `${grammar}\0${code}`;
  const kept = remembered.get(key);
  if (kept !== undefined) return kept;
  // No time limit: with one (Shiki's default is 500 ms a line), a busy machine left the rest of a line plain, so the
  // same page came out differently from one build to the next.
  const html = tokensToHtml(shikiReady!.codeToTokens(code, { lang: grammar, theme: THEME, tokenizeTimeLimit: 0 }).tokens);
  highlightedBlocks++;
  remembered.set(key, html);
  if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value!);
  return html;
}

/** Token spans, with neighbours of one class merged; text in the foreground colour is not wrapped. */
function tokensToHtml(lines: ThemedToken[][]): string {
  return lines
    .map((line) => {
      let html = '';
      let open = '';
      let text = '';
      const flush = () => {
        if (text) html += open ? `<span class="${open}">${escapeHtml(text)}</span>` : escapeHtml(text);
        text = '';
      };
      for (const token of line) {
        const kind = TOKEN_KIND.exec(token.color ?? '')?.[1];
        const classes = [kind && kind !== 'foreground' ? `tok-${kind}` : '', ...FONT_STYLES.filter(([bit]) => (token.fontStyle ?? 0) & bit).map(([, name]) => name)]
          .filter(Boolean)
          .join(' ');
        if (classes !== open) {
          flush();
          open = classes;
        }
        text += token.content;
      }
      flush();
      return html;
    })
    .join('\n');
}

