// The templates of a folder, by name: the layouts a page can name, and the
// files a broken link may be written in. Only the file system (the build
// reads it without loading nunjucks).
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The templates in `templatesDir` ("page.html", "placeholder/index.html"), sorted; none when it does not exist. */
export function templateNames(templatesDir: string): string[] {
  try {
    return readdirSync(templatesDir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.html'))
      .map((name) => name.split(path.sep).join('/'))
      .sort();
  } catch {
    return [];
  }
}
