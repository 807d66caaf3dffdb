// What the page tells the client: the JSON the server embeds as #config (the
// book's config-json), read by whoever needs a part of it.

export interface PageConfig {
  apiRoot?: string;
  apiLogin?: string;
  /** The Markdown renderer's chunk, relative to the page (markdown.ts imports it again by name after a failed load). */
  markdownRenderer?: string;
}

export const pageConfig = (): PageConfig => JSON.parse(document.getElementById('config')?.textContent ?? '{}') as PageConfig;
