// The content of Zach Leatherman's bench-framework-markdown (after Sean
// Davis's CSS-Tricks test), regenerated: N Markdown files, each titled with
// five lowercase lorem words (its file name, hyphenated), with a body of
// three paragraphs of 3-7 sentences of 5-15 words. No headings, links,
// lists, code or images. The same files for Hugo, Eleventy and ours, each
// with a bare layout of the same markup.
//
// Two more sets, ours alone, measure what issue 25 adds: the same posts each
// with two fenced code blocks in the highlighted languages (withCode), and
// the plain posts under a layout with a search box (writeOurs' `search`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim ' +
  'veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse ' +
  'cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum'
).split(' ');

/** A small deterministic generator (mulberry32): the same files on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MarkdownPost {
  title: string;
  slug: string;
  body: string;
}

/** The n posts, the same for a given n. */
export function markdownPosts(n: number): MarkdownPost[] {
  const next = random(n);
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const words = (count: number) => Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]!);
  const sentence = () => {
    const text = words(between(5, 15)).join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: between(3, 7) }, sentence).join(' ');
  const taken = new Set<string>();
  const posts: MarkdownPost[] = [];
  while (posts.length < n) {
    const title = words(5).join(' ');
    const slug = title.replace(/ /g, '-');
    if (taken.has(slug)) continue;
    taken.add(slug);
    posts.push({ title, slug, body: [paragraph(), paragraph(), paragraph()].join('\n\n') });
  }
  return posts;
}

/** A fenced block in each highlighted language, about ten lines each, naming the post so no two are alike. */
const CODE_BLOCKS: Array<(post: MarkdownPost) => string> = [
  (p) => `\`\`\`js\nimport { render } from './render.js';\n\n// ${p.title}\nexport async function page(request) {\n  const url = new URL(request.url);\n  const items = await fetch('/api/${p.slug}').then((r) => r.json());\n  return render({ title: '${p.title}', items, page: Number(url.searchParams.get('page') ?? 1) });\n}\n\`\`\``,
  (p) => `\`\`\`html\n<article class="card" id="${p.slug}">\n  <h2 class="card-title">${p.title}</h2>\n  <p class="card-text">{{ post.excerpt }}</p>\n  <a href="/posts/${p.slug}/" class="btn btn-primary">Read on</a>\n  <style>.card { margin: 1rem; }</style>\n</article>\n\`\`\``,
  (p) => `\`\`\`css\n/* ${p.title} */\n.card#${p.slug} {\n  display: grid;\n  gap: 1rem;\n  color: #333;\n  background: linear-gradient(90deg, #fff 0%, #eee 100%);\n}\n@media (min-width: 768px) { .card { padding: 2rem; } }\n\`\`\``,
  (p) => `\`\`\`json\n{\n  "title": "${p.title}",\n  "slug": "${p.slug}",\n  "tags": ["post", "bench"],\n  "draft": false,\n  "points": 3\n}\n\`\`\``,
  (p) => `\`\`\`bash\n# ${p.title}\nexport SITE_URL="https://example.com"\nfor page in pages/posts/*.md; do\n  echo "building $page"\ndone\nnpm run build -- ${p.slug} && npm run preview\n\`\`\``,
  (p) => `\`\`\`yaml\ntitle: ${p.title}\nslug: ${p.slug}\ntags: [post, bench]\ndraft: false # not yet\nauthor:\n  name: Ada\n  role: lead\n\`\`\``,
  (p) => `\`\`\`ts\ninterface Post { title: string; slug: string; points?: number }\n\nconst post: Post = { title: '${p.title}', slug: '${p.slug}' };\nexport function total(posts: Post[]): number {\n  return posts.reduce((sum, p) => sum + (p.points ?? 0), 0);\n}\n\`\`\``,
];

/** The posts, each with two fenced code blocks after its first paragraph (the highlighted-code page set). */
export function withCode(posts: MarkdownPost[]): MarkdownPost[] {
  return posts.map((post, i) => {
    const [first, ...rest] = post.body.split('\n\n');
    const code = [CODE_BLOCKS[i % CODE_BLOCKS.length]!(post), CODE_BLOCKS[(i + 3) % CODE_BLOCKS.length]!(post)];
    return { ...post, body: [first, ...code, ...rest].join('\n\n') };
  });
}

const postFile = (post: MarkdownPost) => `---\ntitle: ${post.title}\n---\n\n${post.body}\n`;

/** Ours: pages/posts/*.md, a home page, and a bare templates/base.html (plus page.html and 404.html, which a build renders); `search` puts a search box in the layout. */
export function writeOurs(dir: string, posts: MarkdownPost[], { search = false } = {}): { pagesDir: string; templatesDir: string; layout: string } {
  const pagesDir = path.join(dir, 'pages');
  const templatesDir = path.join(dir, 'templates');
  mkdirSync(path.join(pagesDir, 'posts'), { recursive: true });
  mkdirSync(templatesDir, { recursive: true });
  for (const post of posts) writeFileSync(path.join(pagesDir, 'posts', `${post.slug}.md`), postFile(post));
  writeFileSync(path.join(pagesDir, 'index.md'), '---\ntitle: Home\n---\n\nThe posts.\n');
  const layout = path.join(templatesDir, 'base.html');
  writeFileSync(layout, BARE_LAYOUT('{{ title }}', `${search ? '{{ search() }}\n' : ''}{{ content | safe }}`));
  writeFileSync(path.join(templatesDir, 'page.html'), '{% extends "base.html" %}');
  writeFileSync(path.join(templatesDir, '404.html'), '{% extends "base.html" %}');
  return { pagesDir, templatesDir, layout };
}

/** Eleventy: the same files with a bare layout of the same markup. */
export function writeEleventy(dir: string, posts: MarkdownPost[]): { layout: string; post: (i: number) => string } {
  mkdirSync(path.join(dir, 'src/_includes'), { recursive: true });
  mkdirSync(path.join(dir, 'src/posts'), { recursive: true });
  writeFileSync(path.join(dir, 'eleventy.config.cjs'), `module.exports = () => ({ dir: { input: 'src', output: '_site' } });\n`);
  const layout = path.join(dir, 'src/_includes/layout.njk');
  writeFileSync(layout, BARE_LAYOUT('{{ title }}', '{{ content | safe }}'));
  writeFileSync(path.join(dir, 'src/posts/posts.json'), JSON.stringify({ layout: 'layout.njk' }));
  for (const post of posts) writeFileSync(path.join(dir, 'src/posts', `${post.slug}.md`), postFile(post));
  return { layout, post: (i) => path.join(dir, 'src/posts', `${posts[i]!.slug}.md`) };
}

/** Hugo: content/posts/*.md and a bare layouts/_default/single.html. */
export function writeHugo(dir: string, posts: MarkdownPost[]): { layout: string; post: (i: number) => string } {
  mkdirSync(path.join(dir, 'content/posts'), { recursive: true });
  mkdirSync(path.join(dir, 'layouts/_default'), { recursive: true });
  writeFileSync(path.join(dir, 'config.toml'), 'baseURL = "http://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n');
  const layout = path.join(dir, 'layouts/_default/single.html');
  writeFileSync(layout, BARE_LAYOUT('{{ .Title }}', '{{ .Content }}'));
  for (const post of posts) writeFileSync(path.join(dir, 'content/posts', `${post.slug}.md`), postFile(post));
  return { layout, post: (i) => path.join(dir, 'content/posts', `${posts[i]!.slug}.md`) };
}

/** The bare layout all three share: doctype, title, h1, the content. */
function BARE_LAYOUT(title: string, content: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n${content}\n</body>\n</html>\n`;
}
