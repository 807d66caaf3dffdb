// sitemap.xml and robots.txt, for a site that knows its public address
// (SITE_URL). The sitemap lists every page in the output, so a rebuild of
// single pages keeps the pages it did not touch.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml } from '../http.ts';
import { STATIC_PREFIX, urlOfFile } from './urls.ts';

/** URL paths of the pages in a built site: its .html files outside static/, except 404.html. */
export function pagesIn(dir: string): string[] {
  const pages: string[] = [];
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const file = prefix + entry.name;
      if (entry.isDirectory()) {
        if (`/${file}/` !== STATIC_PREFIX) walk(path.join(folder, entry.name), `${file}/`);
      } else if (entry.name.endsWith('.html') && file !== '404.html') {
        pages.push(urlOfFile(file));
      }
    }
  };
  walk(dir, '');
  return pages.sort();
}

export function sitemapXml(siteOrigin: string, pages: string[]): string {
  const urls = pages.map((page) => `  <url><loc>${escapeHtml(siteOrigin + page)}</loc></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

export const robotsTxt = (siteOrigin: string): string => `User-agent: *\nAllow: /\n\nSitemap: ${siteOrigin}/sitemap.xml\n`;
