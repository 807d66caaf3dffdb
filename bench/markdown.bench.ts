// `npm run bench -- markdown`: the benchmark everyone quotes for static-site
// generators (Zach Leatherman's bench-framework-markdown, after Sean Davis's
// CSS-Tricks test): 250, 1000 and 4000 Markdown files (bench/markdown-site.ts),
// built by Hugo, by Eleventy 3.1.7 and by us, each in its own process as a
// person runs it. Ours is `npm run build` over the files (scripts/launch.mjs
// build.ts) and does all it always does: hashed names, the link check,
// .gz and .br of every page, the manifest.
//
// Ours four ways: cold (no build cache, no output), nothing changed (cache
// and output kept), one page edited, the layout edited; Eleventy's and
// Hugo's plain full builds as the yardsticks. Rounds alternate between the
// tools, the fastest round of each kept. Each rebuild's summary is checked
// for the work it did (pages rendered and reused), so a fast number cannot
// come from skipped work.
//
// Then what issue 25 adds, ours alone, each against our plain set in the
// same run, cold and with nothing changed: the highlighted-code page set
// (every post with two fenced code blocks, in the seven highlighted
// languages) and the search index (the plain posts under a layout with a
// search box, so the build runs Pagefind over every page).
//
//   BENCH_FILES=250,1000  sizes (default 250,1000,4000)
//   BENCH_ROUNDS=3        rounds (default 2)
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fastest, fmt, LAUNCH_BUILD, ROOT, runProcess, type ProcessRun } from './lib.ts';
import { markdownPosts, withCode, writeEleventy, writeHugo, writeOurs } from './markdown-site.ts';

const SIZES = (process.env.BENCH_FILES ?? '250,1000,4000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BUILD_CACHE_DIR = path.join(ROOT, 'node_modules/.cache/lightweight/build');
const ELEVENTY = path.join(ROOT, 'node_modules/@11ty/eleventy/cmd.cjs');

/** Hugo's path, installed with apt-get when missing and possible; null (and why) when not. */
function findHugo(): { hugo: string | null; why?: string } {
  const which = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v hugo'], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  };
  const found = which();
  if (found) return { hugo: found };
  try {
    execFileSync('apt-get', ['install', '-y', 'hugo'], { stdio: 'ignore', timeout: 300_000 });
  } catch (err) {
    return { hugo: null, why: `hugo is not installed and apt-get install -y hugo failed (${(err as Error).message.split('\n')[0]})` };
  }
  return which() ? { hugo: which() } : { hugo: null, why: 'hugo is not on PATH after apt-get install' };
}

/** "(R rendered, U reused)" from our summary. */
function pageWork(run: ProcessRun): { rendered: number; reused: number } {
  const match = /\((\d+) rendered, (\d+) reused\)/.exec(run.stdout);
  if (!match) throw new Error(`no page counts in our summary:\n${run.stdout}`);
  return { rendered: Number(match[1]), reused: Number(match[2]) };
}

function expectWork(what: string, run: ProcessRun, rendered: number, reused: number): ProcessRun {
  const work = pageWork(run);
  if (work.rendered !== rendered || work.reused !== reused) {
    throw new Error(`${what}: expected ${rendered} rendered and ${reused} reused, the build says ${work.rendered} and ${work.reused}:\n${run.stdout}`);
  }
  return run;
}

const row = (name: string, run: ProcessRun, against?: { run: ProcessRun; name: string; goal: number }) => {
  let ratio = '';
  if (against) {
    const r = run.seconds / against.run.seconds;
    ratio = ` ${fmt(r, 2).padStart(6)}x ${against.name}  (goal <= ${fmt(against.goal, 2)}x: ${r <= against.goal ? 'met' : 'MISSED'})`;
  }
  return `  ${name.padEnd(42)} ${fmt(run.seconds, 2).padStart(6)} s (${fmt(run.cpuSeconds, 2).padStart(5)} s CPU) ${fmt(run.maxRssMb).padStart(5)} MB${ratio}`;
};

export async function run(): Promise<void> {
  const { hugo, why } = findHugo();
  if (!hugo) console.log(`Hugo skipped: ${why}.`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-markdown-'));
  const peaks: string[] = [];
  try {
    for (const n of SIZES) {
      const posts = markdownPosts(n);
      const dir = path.join(work, String(n));
      const ours = writeOurs(path.join(dir, 'ours'), posts);
      const staticDir = path.join(dir, 'ours/static');
      mkdirSync(staticDir, { recursive: true });
      const site = path.join(dir, 'ours/_build');
      const eleventyDir = path.join(dir, 'eleventy');
      writeEleventy(eleventyDir, posts);
      const hugoDir = path.join(dir, 'hugo');
      writeHugo(hugoDir, posts);

      const env = { PAGES_DIR: ours.pagesDir, TEMPLATES_DIR: ours.templatesDir, STATIC_DIR: staticDir, BUILD_DIR: site, SITE_URL: '' };
      const build = () => runProcess(process.execPath, LAUNCH_BUILD, { cwd: ROOT, env });
      const postFile = path.join(ours.pagesDir, 'posts', `${posts[Math.floor(n / 2)]!.slug}.md`);
      const originalPost = readFileSync(postFile, 'utf8');
      const originalLayout = readFileSync(ours.layout, 'utf8');
      const pages = n + 1; // and the home page

      /** The sets of issue 25, each built cold and then with nothing changed. */
      const extras = {
        code: { name: 'highlighted code', ...writeOurs(path.join(dir, 'code'), withCode(posts)), cold: [] as ProcessRun[], unchanged: [] as ProcessRun[] },
        search: { name: 'search index', ...writeOurs(path.join(dir, 'search'), posts, { search: true }), cold: [] as ProcessRun[], unchanged: [] as ProcessRun[] },
      };
      const runs: Record<'cold' | 'unchanged' | 'edit' | 'layout' | 'eleventy' | 'hugo', ProcessRun[]> = { cold: [], unchanged: [], edit: [], layout: [], eleventy: [], hugo: [] };
      for (let round = 0; round < ROUNDS; round++) {
        rmSync(BUILD_CACHE_DIR, { recursive: true, force: true, maxRetries: 3 });
        rmSync(site, { recursive: true, force: true });
        runs.cold.push(expectWork('cold', await build(), pages, 0));
        runs.unchanged.push(expectWork('nothing changed', await build(), 0, pages));
        appendFileSync(postFile, `\nEdited in round ${round}.\n`);
        runs.edit.push(expectWork('one page edited', await build(), 1, pages - 1));
        writeFileSync(ours.layout, originalLayout.replace('</body>', `<footer>round ${round}</footer>\n</body>`));
        runs.layout.push(expectWork('layout edited', await build(), pages, 0));
        writeFileSync(postFile, originalPost);
        writeFileSync(ours.layout, originalLayout);

        for (const extra of Object.values(extras)) {
          const extraEnv = { ...env, PAGES_DIR: extra.pagesDir, TEMPLATES_DIR: extra.templatesDir, BUILD_DIR: path.join(dir, `${extra.name}-site`) };
          rmSync(BUILD_CACHE_DIR, { recursive: true, force: true, maxRetries: 3 });
          rmSync(extraEnv.BUILD_DIR, { recursive: true, force: true });
          const cold = expectWork(`${extra.name}, cold`, await runProcess(process.execPath, LAUNCH_BUILD, { cwd: ROOT, env: extraEnv }), pages, 0);
          if (extra === extras.search && !/Search index of \d+ pages/.test(cold.stdout)) throw new Error(`the search set was not indexed:\n${cold.stdout}`);
          extra.cold.push(cold);
          extra.unchanged.push(expectWork(`${extra.name}, nothing changed`, await runProcess(process.execPath, LAUNCH_BUILD, { cwd: ROOT, env: extraEnv }), 0, pages));
        }

        rmSync(path.join(eleventyDir, '_site'), { recursive: true, force: true });
        runs.eleventy.push(await runProcess(process.execPath, [ELEVENTY, '--quiet'], { cwd: eleventyDir }));
        if (hugo) {
          rmSync(path.join(hugoDir, 'public'), { recursive: true, force: true });
          rmSync(path.join(hugoDir, 'resources'), { recursive: true, force: true });
          runs.hugo.push(await runProcess(hugo, ['--quiet'], { cwd: hugoDir }));
        }
      }

      const eleventy = { run: fastest(runs.eleventy), name: 'Eleventy' };
      console.log(`\n${n} Markdown files (fastest of ${ROUNDS} rounds)`);
      if (hugo) console.log(row('Hugo 0.111 (plain)', fastest(runs.hugo)));
      console.log(row('Eleventy 3.1.7 (plain)', eleventy.run));
      console.log(row('ours, cold', fastest(runs.cold), { ...eleventy, goal: 0.5 }));
      if (hugo && n === Math.max(...SIZES)) console.log(row('ours, cold', fastest(runs.cold), { run: fastest(runs.hugo), name: 'Hugo', goal: 2 }));
      console.log(row('ours, nothing changed', fastest(runs.unchanged), { ...eleventy, goal: 0.1 }));
      console.log(row('ours, one page edited', fastest(runs.edit), { ...eleventy, goal: 0.1 }));
      console.log(row('ours, layout edited', fastest(runs.layout), { ...eleventy, goal: 0.5 }));
      for (const extra of Object.values(extras)) {
        for (const [when, plain, theirs] of [['cold', runs.cold, extra.cold], ['nothing changed', runs.unchanged, extra.unchanged]] as const) {
          const [base, run] = [fastest(plain), fastest(theirs)];
          const added = run.seconds - base.seconds;
          console.log(`${row(`ours + ${extra.name}, ${when}`, run)}  ${added >= 0 ? '+' : ''}${fmt(added, 2)} s (${fmt(run.seconds / base.seconds, 2)}x ours plain)`);
        }
      }
      const oursPeak = Math.max(...[...runs.cold, ...runs.unchanged, ...runs.edit, ...runs.layout].map((r) => r.maxRssMb));
      const eleventyPeak = Math.max(...runs.eleventy.map((r) => r.maxRssMb));
      const hugoPeak = hugo ? `, Hugo ${fmt(Math.max(...runs.hugo.map((r) => r.maxRssMb)))} MB` : '';
      peaks.push(
        `  ${String(n).padStart(5)} files: ours ${fmt(oursPeak)} MB, Eleventy ${fmt(eleventyPeak)} MB${hugoPeak}: ${fmt(oursPeak / eleventyPeak, 2)}x Eleventy (goal <= 1.00x: ${oursPeak <= eleventyPeak ? 'met' : 'MISSED'})`,
      );
      for (const line of fastest(runs.cold).stdout.trim().split('\n')) console.log(`  cold: ${line.trim()}`);
    }
    console.log('\nPeak memory (highest of all our builds, of all Eleventy builds)');
    for (const line of peaks) console.log(line);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
