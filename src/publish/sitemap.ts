// sitemap.xml and robots.txt, for a site that knows its public address
// (SITE_URL). The sitemap lists every page in the output, so a rebuild of
// single pages keeps the pages it did not touch.
import { escapeHtml } from '../http.ts';
import { STATIC_PREFIX, urlOfFile } from './urls.ts';

/** URL paths of the pages among a built site's files: its .html files outside static/, except 404.html. */
export function pagesIn(files: string[]): string[] {
  const pages = files.filter((file) => file.endsWith('.html') && file !== '404.html' && !`/${file}`.startsWith(STATIC_PREFIX));
  return pages.map(urlOfFile).sort();
}

export function sitemapXml(siteOrigin: string, pages: string[]): string {
  const urls = pages.map((page) => `  <url><loc>${escapeHtml(siteOrigin + page)}</loc></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

export const robotsTxt = (siteOrigin: string): string => `User-agent: *\nAllow: /\n\nSitemap: ${siteOrigin}/sitemap.xml\n`;
