// Collections (Eleventy's): `tags: [post]` in a page's front matter (or its
// folder's defaults) puts it in `collections.post`; every page is in
// `collections.all`. Each item says what a list of posts needs: url, title,
// date, tags, data (its metadata), excerpt and slug. Items are sorted by
// date, then title; pages without a date come last. Nothing here reads a
// file's time, so a build is the same bytes wherever it runs.
import MarkdownIt from 'markdown-it';
import { parseDate } from '../templates/date-format.ts';
import { slugify } from '../templates/helpers.ts';

export interface CollectionItem {
  url: string;
  title: string;
  /** From `date:` (YYYY-MM-DD is midnight UTC), or null. */
  date: Date | null;
  tags: string[];
  /** The page's metadata: its folder defaults and front matter (and, for a page made from data, its entry). */
  data: Record<string, unknown>;
  /** `excerpt:` if set, else the first paragraph of the page, as text. */
  excerpt: string;
  /** The last part of the page's own slug: "hello" for pages/blog/hello.md. */
  slug: string;
}

/** `collections`: every tag's items, and `all`. */
export type Collections = Record<string, CollectionItem[]>;

/** One entry per tag (`each: collections` makes a page per tag). */
export interface TagEntry {
  name: string;
  slug: string;
  items: CollectionItem[];
}

export const ALL_COLLECTION = 'all';
/** `each:` / `paginate:` over this name lists the tags; `collections.<tag>` one tag's items. */
export const COLLECTIONS = 'collections';
/** The build cache's name for a read of the tag list (`each: collections`): every tag with its items, `all` aside. */
export const TAG_LIST = '#tags';

/** `tags: post` or `tags: [post, css]` as a list of names; anything else is an error message. */
export function tagsOf(value: unknown): string[] | string {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.some((tag) => typeof tag !== 'string' && typeof tag !== 'number')) {
    return `tags: ${JSON.stringify(value)}: write a tag or a list of tags, like "tags: [post, css]"`;
  }
  return [...new Set(list.map((tag) => String(tag).trim()).filter(Boolean))];
}

/** Sorted by date (undated last), then title, then URL: one order everywhere. */
export function sortItems(items: CollectionItem[]): CollectionItem[] {
  const time = (item: CollectionItem) => item.date?.getTime() ?? Infinity;
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort((a, b) => time(a) - time(b) || text(a.title, b.title) || text(a.url, b.url));
}

/** Every tag's items (each sorted), `all`, and the tags as a list sorted by name. */
export function collect(items: CollectionItem[]): { collections: Collections; tags: TagEntry[] } {
  const collections: Collections = { [ALL_COLLECTION]: sortItems([...items]) };
  for (const item of collections[ALL_COLLECTION]!) {
    for (const tag of item.tags) if (tag !== ALL_COLLECTION) (collections[tag] ??= []).push(item);
  }
  const tags = Object.keys(collections)
    .filter((tag) => tag !== ALL_COLLECTION)
    .sort()
    .map((name) => ({ name, slug: slugify(name), items: collections[name]! }));
  return { collections, tags };
}

export function itemDate(value: unknown): Date | null | undefined {
  return parseDate(value);
}

const markdown = new MarkdownIt('default', { html: true, linkify: false });

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** HTML as plain text: tags removed, the common entities decoded, spaces folded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name]!)
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The first paragraph of a page's template, as text: for Markdown the first
 * block that is a paragraph, for HTML the first <p>. Template syntax in it
 * is left out (an excerpt is read without rendering the page).
 */
export function excerptOf(template: string, isMarkdown: boolean): string {
  const source = template.replace(/\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}|\{#[\s\S]*?#\}/g, '');
  if (!isMarkdown) return textOf(/<p\b[^>]*>([\s\S]*?)<\/p>/i.exec(source)?.[1] ?? '');
  const tokens = markdown.parse(source, {});
  const open = tokens.findIndex((token) => token.type === 'paragraph_open');
  const inline = open === -1 ? undefined : tokens[open + 1];
  return inline ? textOf(markdown.renderer.render([inline], markdown.options, {})) : '';
}
