// `npm run bench -- build`: the static-site build on 10, 100, 1000 and 5000
// generated pages (each with a few links and two placeholder images), and
// Eleventy 3 building the same pages in the same run, as the yardstick.
// Ours four ways: cold (empty build cache, no output), warm (cache kept,
// output deleted), nothing changed and after editing one page (cache and
// output kept); each against Eleventy's full plain build, with the goals of
// issue 20 beside the ratios.
//
// Both run as they would from a terminal, each in its own process: ours is
// `npm run build` (scripts/launch.mjs build.ts) with PAGES_DIR pointing at the generated pages (real templates,
// full build: bundling, hashing, .gz + .br, images, link check); Eleventy's
// is its plain build of an equivalent project (a nunjucks layout like
// templates/base.html, the same page bodies, static files copied through).
// Wall time includes start-up; peak memory is each process's max RSS.
//
// Last, the starter site itself (pages/, templates/, static/ as a new
// project has them) rebuilt with a warm cache, against Eleventy building the
// same pages: our built HTML pages as plain HTML templates (no template
// engine), with static/ copied through.
//
// The starter layout has a search box, so each build of ours also indexes
// its pages with Pagefind (issue 25). What that adds is measured in the same
// rounds: ours cold and with nothing changed under a copy of the templates
// without the box, which writes no index.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fastest, fmt, LAUNCH_BUILD, ROOT, runProcess, type ProcessRun } from './lib.ts';

const SIZES = (process.env.BENCH_PAGES ?? '10,100,1000,5000').split(',').map(Number);
/** build.ts's cache (src/publish/cache.ts): emptied before each cold build. */
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/lightweight/build');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ELEVENTY = path.join(ROOT, 'node_modules/@11ty/eleventy/cmd.cjs');

/** The starter site's page names stay, as the layout's navigation links to them (and to feed.xml, written beside them). */
const NAV_SLUGS = ['index', 'pricing', 'contact', 'login', 'about', 'team', 'blog'];
const slugOf = (i: number) => NAV_SLUGS[i] ?? `page-${String(i).padStart(4, '0')}`;
const urlOf = (slug: string) => (slug === 'index' ? '/' : `/${slug}/`);

/** The body of page i of n: a few links to its neighbours, two placeholder images (from a few dozen sizes). */
function pageBody(i: number, n: number): string {
  const previous = urlOf(slugOf((i + n - 1) % n));
  const next = urlOf(slugOf((i + 1) % n));
  return `<div class="container py-5">
  <h1 class="display-5 fw-bold">Page ${i}</h1>
  <img class="img-fluid rounded-3 mb-4" src="/image/1200x400/" width="1200" height="400" alt="">
  <p class="lead">Generated page ${i} of ${n}, one of a prototype's many variations on a theme.</p>
  <div class="row g-4">
    <div class="col-md-8">
      <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>
      <p>Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.</p>
    </div>
    <div class="col-md-4">
      <img class="img-fluid rounded-3" src="/image/${300 + (i % 30)}x200/" width="${300 + (i % 30)}" height="200" alt="">
    </div>
  </div>
  <nav class="d-flex gap-3 mt-4">
    <a href="${previous}">Previous</a> <a href="/">Home</a> <a href="/pricing/">Pricing</a> <a href="${next}">Next</a>
  </nav>
</div>
`;
}

export function generateLightweight(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'feed.xml'), '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Pages</title></feed>\n');
  for (let i = 0; i < n; i++) {
    writeFileSync(path.join(dir, `${slugOf(i)}.html`), `{% block context %}{ "description": "Page ${i}" }{% endblock %}\n${pageBody(i, n)}`);
  }
}

/** Eleventy's layout: templates/base.html's markup, with its URLs written out. */
const ELEVENTY_LAYOUT = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Rapid Prototypes - {{ title }}</title>
  <meta name="description" content="{{ description }}">
  <link rel="icon" href="/static/img/logo.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/vendor/bootstrap/css/bootstrap.min.css">
  <link rel="stylesheet" href="/static/css/site.css">
</head>
<body id="{{ title }}">
  <nav class="navbar navbar-expand-md navbar-dark bg-dark fixed-top" aria-label="Main navigation">
    <div class="container">
      <a class="navbar-brand d-flex align-items-center gap-2" href="/"><img src="/static/img/logo.svg" width="28" height="28" alt=""> Rapid Prototypes</a>
      <div class="collapse navbar-collapse" id="site-nav">
        <ul class="navbar-nav me-auto">
          {% for link in [["/", "Home"], ["/pricing/", "Pricing"], ["/contact/", "Contact"]] %}
          <li class="nav-item"><a class="nav-link{% if page.url == link[0] %} active{% endif %}" href="{{ link[0] }}">{{ link[1] }}</a></li>
          {% endfor %}
        </ul>
        <ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/login/">Login</a></li></ul>
      </div>
    </div>
  </nav>
  <main>
    {{ content | safe }}
  </main>
  <script src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js"></script>
</body>
</html>
`;

function generateEleventy(dir: string, n: number): void {
  mkdirSync(path.join(dir, 'src/_includes'), { recursive: true });
  const bootstrap = path.join(ROOT, 'node_modules/bootstrap/dist');
  writeFileSync(
    path.join(dir, 'eleventy.config.cjs'),
    `module.exports = (config) => {
  config.addPassthroughCopy({ ${JSON.stringify(path.join(ROOT, 'static'))}: 'static' });
  config.addPassthroughCopy({ ${JSON.stringify(`${bootstrap}/css/bootstrap.min.css`)}: 'static/vendor/bootstrap/css/bootstrap.min.css' });
  config.addPassthroughCopy({ ${JSON.stringify(`${bootstrap}/js/bootstrap.bundle.min.js`)}: 'static/vendor/bootstrap/js/bootstrap.bundle.min.js' });
  return { dir: { input: 'src', output: '_site' } };
};
`,
  );
  writeFileSync(path.join(dir, 'src/_includes/layout.njk'), ELEVENTY_LAYOUT);
  for (let i = 0; i < n; i++) {
    const slug = slugOf(i);
    const frontMatter = `---\nlayout: layout.njk\ntitle: ${slug}\ndescription: Page ${i}\npermalink: ${urlOf(slug)}\n---\n`;
    writeFileSync(path.join(dir, `src/${slug}.njk`), frontMatter + pageBody(i, n));
  }
}

const buildOurs = (pagesDir: string, buildDir: string, templatesDir = path.join(ROOT, 'templates')) =>
  runProcess(process.execPath, LAUNCH_BUILD, { cwd: ROOT, env: { PAGES_DIR: pagesDir, BUILD_DIR: buildDir, TEMPLATES_DIR: templatesDir } });

/** Each file of the built site (not its .gz and .br) by its mtime. */
function siteMtimes(dir: string): Record<string, number> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !/\.(gz|br)$/.test(entry.name));
  return Object.fromEntries(files.map((entry) => {
    const full = path.join(entry.parentPath, entry.name);
    return [path.relative(dir, full).split(path.sep).join('/'), statSync(full).mtimeMs];
  }));
}

/** The starter templates without the search box: the same build, with no search index. */
function templatesWithoutSearch(dir: string): string {
  cpSync(path.join(ROOT, 'templates'), dir, { recursive: true });
  const base = path.join(dir, 'base.html');
  const layout = readFileSync(base, 'utf8');
  if (!layout.includes('{{ search() }}')) throw new Error('templates/base.html has no {{ search() }} to take out');
  writeFileSync(base, layout.replace('{{ search() }}', ''));
  return dir;
}
const buildEleventy = (projectDir: string) => runProcess(process.execPath, [ELEVENTY, '--quiet'], { cwd: projectDir });

const line = (name: string, pages: number, run: ProcessRun, baseline?: ProcessRun, target?: number) => {
  const ratio = baseline ? ` ${fmt(run.seconds / baseline.seconds, 2).padStart(5)}x Eleventy` : '';
  const goal = baseline && target !== undefined ? ` (goal <= ${fmt(target, 2)}x: ${run.seconds / baseline.seconds <= target ? 'met' : 'MISSED'})` : '';
  return `${name.padEnd(28)} ${fmt(run.seconds, 2).padStart(6)} s (${fmt(run.cpuSeconds, 2).padStart(5)} s CPU) ${fmt(pages / run.seconds).padStart(6)} pages/s ${fmt(run.maxRssMb).padStart(5)} MB peak${ratio}${goal}`;
};

/** Eleventy's project of the same pages as a site we built: each HTML page as a plain HTML template at its place, static/ copied through. */
function eleventyOfBuiltSite(siteDir: string, dir: string): void {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'eleventy.config.cjs'),
    `module.exports = (config) => {
  config.addPassthroughCopy({ ${JSON.stringify(path.join(ROOT, 'static'))}: 'static' });
  return { dir: { input: 'src', output: '_site' }, htmlTemplateEngine: false };
};
`,
  );
  const pages = readdirSync(siteDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.html') && !file.startsWith('pagefind'));
  for (const page of pages) {
    mkdirSync(path.dirname(path.join(dir, 'src', page)), { recursive: true });
    cpSync(path.join(siteDir, page), path.join(dir, 'src', page));
  }
}

/** The starter site rebuilt with a warm cache: with its output kept, and with its output deleted; Eleventy building the same pages. */
async function starterSite(work: string): Promise<void> {
  const siteDir = path.join(work, 'starter/site');
  const pagesDir = path.join(ROOT, 'pages');
  rmSync(CACHE_DIR, { recursive: true, force: true });
  const first = await buildOurs(pagesDir, siteDir);
  const pages = Number(/^Built (\d+) pages/m.exec(first.stdout)?.[1]);
  eleventyOfBuiltSite(siteDir, path.join(work, 'starter/eleventy'));
  const eleventy: ProcessRun[] = [];
  const kept: ProcessRun[] = [];
  const noOutput: ProcessRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    eleventy.push(await buildEleventy(path.join(work, 'starter/eleventy')));
    kept.push(await buildOurs(pagesDir, siteDir));
    rmSync(siteDir, { recursive: true, force: true });
    noOutput.push(await buildOurs(pagesDir, siteDir));
  }
  const b = fastest(eleventy);
  console.log(`\nThe starter site, ${pages} pages (fastest of ${ROUNDS} rounds)`);
  console.log(`  ${line('eleventy 3.1.7 (same pages)', pages, b)}`);
  console.log(`  ${line('warm cache, output kept', pages, fastest(kept), b, 0.3)}`);
  console.log(`  ${line('warm cache, output deleted', pages, fastest(noOutput), b, 0.3)}`);
  console.log(`  output kept: ${fastest(kept).stdout.split('\n').find((l) => /^Built/.test(l))}`);
}

export async function run(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-build-'));
  try {
    // Once each, unmeasured: the launcher's bundle and the disk cache warm for both.
    generateLightweight(path.join(work, 'warm/pages'), NAV_SLUGS.length);
    generateEleventy(path.join(work, 'warm/eleventy'), NAV_SLUGS.length);
    await buildOurs(path.join(work, 'warm/pages'), path.join(work, 'warm/site'));
    await buildEleventy(path.join(work, 'warm/eleventy'));

    const noSearch = templatesWithoutSearch(path.join(work, 'templates-without-search'));
    const rss: Array<{ n: number; ours: number; eleventy: number }> = [];
    for (const n of SIZES) {
      const dir = path.join(work, String(n));
      const pagesDir = path.join(dir, 'pages');
      const siteDir = path.join(dir, 'site');
      generateLightweight(pagesDir, n);
      generateEleventy(path.join(dir, 'eleventy'), n);
      // Alternating rounds, the fastest of each kept: a shared machine's noise only ever adds time.
      const cold: ProcessRun[] = [];
      const warm: ProcessRun[] = [];
      const unchanged: ProcessRun[] = [];
      const edited: ProcessRun[] = [];
      const eleventy: ProcessRun[] = [];
      const plainCold: ProcessRun[] = [];
      const plainUnchanged: ProcessRun[] = [];
      const edit = path.join(pagesDir, `${slugOf(Math.min(5, n - 1))}.html`);
      const original = readFileSync(edit, 'utf8');
      for (let round = 0; round < ROUNDS; round++) {
        rmSync(CACHE_DIR, { recursive: true, force: true });
        rmSync(siteDir, { recursive: true, force: true });
        cold.push(await buildOurs(pagesDir, siteDir));
        rmSync(siteDir, { recursive: true, force: true });
        warm.push(await buildOurs(pagesDir, siteDir));
        unchanged.push(await buildOurs(pagesDir, siteDir));
        if (!/\(0 rendered, /.test(unchanged.at(-1)!.stdout)) throw new Error(`the unchanged build rendered pages:\n${unchanged.at(-1)!.stdout}`);
        writeFileSync(edit, original.replace('</h1>', ` (edit ${round})</h1>`));
        const before = siteMtimes(siteDir);
        edited.push(await buildOurs(pagesDir, siteDir));
        // The page alone among the site's files (the search index follows its words: a few of pagefind/'s files change too).
        const rewritten = Object.entries(siteMtimes(siteDir)).filter(([file, mtime]) => before[file] !== mtime && !file.startsWith('pagefind/')).map(([file]) => file);
        if (rewritten.length !== 1 || !/\(1 rendered, /.test(edited.at(-1)!.stdout)) throw new Error(`the edited build rewrote more than the page (${rewritten.join(', ')}):\n${edited.at(-1)!.stdout}`);
        writeFileSync(edit, original);
        eleventy.push(await buildEleventy(path.join(dir, 'eleventy')));
        rmSync(CACHE_DIR, { recursive: true, force: true });
        rmSync(siteDir, { recursive: true, force: true });
        plainCold.push(await buildOurs(pagesDir, siteDir, noSearch));
        if (/Search index/.test(plainCold.at(-1)!.stdout)) throw new Error(`the build without a search box wrote an index:\n${plainCold.at(-1)!.stdout}`);
        plainUnchanged.push(await buildOurs(pagesDir, siteDir, noSearch));
      }
      const b = fastest(eleventy);
      console.log(`\n${n} pages (fastest of ${ROUNDS} rounds)`);
      console.log(`  ${line('eleventy 3.1.7 (plain)', n, b)}`);
      console.log(`  ${line('lightweight cold', n, fastest(cold), b, 0.5)}`);
      console.log(`  ${line('lightweight warm cache, no output', n, fastest(warm), b, 0.1)}`);
      console.log(`  ${line('lightweight nothing changed', n, fastest(unchanged), b, 0.1)}`);
      console.log(`  ${line('lightweight one page edited', n, fastest(edited), b, 0.1)}`);
      for (const [name, withIndex, without] of [['cold', cold, plainCold], ['nothing changed', unchanged, plainUnchanged]] as const) {
        const [a, b2] = [fastest(withIndex), fastest(without)];
        console.log(`  ${line(`  ${name}, no search box`, n, b2)}  search index adds ${fmt(a.seconds - b2.seconds, 2)} s (${fmt(a.seconds / b2.seconds, 2)}x)`);
      }
      const summary = fastest(cold).stdout.split('\n').filter((l) => /^Built|^\s+\d+ files/.test(l));
      for (const l of summary) console.log(`  cold: ${l.trim()}`);
      rss.push({ n, ours: Math.max(...[...cold, ...warm, ...unchanged, ...edited].map((r) => r.maxRssMb)), eleventy: Math.max(...eleventy.map((r) => r.maxRssMb)) });
    }
    console.log('\nPeak memory (highest of all runs)');
    for (const { n, ours, eleventy } of rss) {
      console.log(`  ${String(n).padStart(5)} pages: ours ${fmt(ours).padStart(4)} MB, Eleventy ${fmt(eleventy).padStart(4)} MB, ${fmt(ours / eleventy, 2)}x (target <= 1.00x)`);
    }
    const from = rss.find((r) => r.n === 100);
    const to = rss.find((r) => r.n === 5000);
    if (from && to) console.log(`  growth from 100 to 5000 pages: ${fmt((to.ours / from.ours - 1) * 100, 1)}% (target < 15%)`);
    await starterSite(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
