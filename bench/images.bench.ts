// `npm run bench -- images`: responsive images on a page of 12 photographs,
// each a 4000×3000 JPEG as a camera makes them, written with
// image(…, { widths: [640, 1280, 1920] }): 12 × 3 widths × 3 formats = 108
// renditions.
//
//   (a) cold: the page's first request (reads and hashes 12 sources), then
//       every rendition's first request, made with sharp through the render
//       queue, six at a time as a browser fetches;
//   (b) cached: the same requests again, from the disk cache; and one
//       rendition under load against a bare node:http server sending the
//       same bytes from memory (the ceiling), with CPU per request;
//   (c) npm run build with a cold and with a warm cache, against the same
//       page with plain <img> tags of the sources (nothing to make);
//   (d) bytes of each format, against the source and against the JPEG.
// Each app runs in its own process (DEBUG off), as in production.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { capture, cpuSeconds, fmt, load, measure, report, ROOT, startBareServer, startServer, type ChildServer } from './lib.ts';

const IMAGES = 12;
const WIDTHS = [640, 1280, 1920];
const FORMATS = ['avif', 'webp', 'jpg'] as const;
const SOURCE = { width: 4000, height: 3000 };
/** Connections a browser opens to one origin. */
const BROWSER_CONNECTIONS = 6;
const SECRET = 'bench-only-secret-key-0123456789abcdef';

/** A photograph-like 4000×3000 JPEG: a scene of gradients and soft shapes, film grain, a different palette each. */
async function photograph(i: number): Promise<Buffer> {
  const { width: w, height: h } = SOURCE;
  const hue = (i * 30) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,25%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},70%,65%)"/></linearGradient>
    <filter id="b"><feGaussianBlur stdDeviation="12"/></filter></defs>
    <rect width="${w}" height="${h}" fill="url(#s)"/>
    <g filter="url(#b)"><circle cx="${w * (0.3 + (i % 4) * 0.12)}" cy="${h * 0.45}" r="${h * 0.22}" fill="hsl(${(hue + 180) % 360},80%,80%)" opacity="0.7"/>
    <path d="M0 ${h * 0.7} C ${w * 0.3} ${h * 0.55}, ${w * 0.6} ${h * 0.8}, ${w} ${h * 0.65} V ${h} H 0 Z" fill="hsl(${(hue + 200) % 360},40%,18%)"/></g>
  </svg>`;
  const grain = Buffer.alloc(w * h);
  let state = i + 1;
  for (let p = 0; p < grain.length; p++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    grain[p] = 128 + (((state >>> 0) % 31) - 15);
  }
  const noise = await sharp(grain, { raw: { width: w, height: h, channels: 1 } }).toColourspace('srgb').png({ compressionLevel: 1 }).toBuffer();
  return sharp(Buffer.from(svg)).composite([{ input: noise, blend: 'soft-light' }]).jpeg({ quality: 90 }).toBuffer();
}

interface Site {
  root: string;
  env: Record<string, string>;
  sourceBytes: number;
}

const NAV = ['index', 'about', 'team', 'pricing', 'contact', 'login'];

function makeSite(root: string, body: string): Record<string, string> {
  const pagesDir = path.join(root, `pages-${NAV.length}-${body.length}`);
  mkdirSync(pagesDir, { recursive: true });
  for (const slug of NAV) writeFileSync(path.join(pagesDir, `${slug}.html`), slug === 'index' ? body : `<h1>${slug}</h1>`);
  return { PAGES_DIR: pagesDir };
}

async function prepare(): Promise<Site> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-images-'));
  const staticDir = path.join(root, 'static');
  mkdirSync(path.join(staticDir, 'img'), { recursive: true });
  // What the layout links to, so the build's link check passes.
  cpSync(path.join(ROOT, 'static', 'css'), path.join(staticDir, 'css'), { recursive: true });
  cpSync(path.join(ROOT, 'static', 'img', 'logo.svg'), path.join(staticDir, 'img', 'logo.svg'));
  let sourceBytes = 0;
  for (let i = 0; i < IMAGES; i++) {
    const bytes = await photograph(i);
    sourceBytes += bytes.length;
    writeFileSync(path.join(staticDir, 'img', `photo-${i}.jpg`), bytes);
  }
  return { root, sourceBytes, env: { STATIC_DIR: staticDir, SERVICES: 'pages', DEBUG: 'off', SECRET_KEY: SECRET } };
}

const imagePage = () =>
  Array.from({ length: IMAGES }, (_, i) => `{{ image('img/photo-${i}.jpg', { alt: 'Photo ${i}', widths: [${WIDTHS.join(', ')}], sizes: '(min-width: 960px) 33vw, 100vw' }) }}`).join('\n');
const plainPage = () => Array.from({ length: IMAGES }, (_, i) => `<img src="/static/img/photo-${i}.jpg" width="4000" height="3000" alt="Photo ${i}">`).join('\n');

/** Every rendition URL of the page, by format and width. */
function renditionsOf(html: string): Array<{ url: string; format: string; width: number }> {
  return [...html.matchAll(/srcset="([^"]*)"/g)].flatMap((m) =>
    m[1]!.split(', ').map((candidate) => {
      const [url, w] = candidate.split(' ');
      return { url: url!, format: url!.split('.').at(-1)!, width: Number(w!.slice(0, -1)) };
    }),
  );
}

/** Fetch every URL, `connections` at a time; the latency of each. */
async function fetchAll(base: string, urls: string[], connections: number): Promise<{ seconds: number; latencies: Map<string, number>; bytes: Map<string, number> }> {
  const latencies = new Map<string, number>();
  const bytes = new Map<string, number>();
  const queue = [...urls];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let url = queue.shift(); url; url = queue.shift()) {
        const t = performance.now();
        const res = await fetch(base + url);
        const body = await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
        latencies.set(url, performance.now() - t);
        bytes.set(url, body.byteLength);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies, bytes };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

function startApp(env: Record<string, string>): Promise<ChildServer> {
  return startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), { APP_PROCESS_LOG: 'discard', ...env });
}

function build(env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`build failed: ${stderr}`))));
  });
}

export async function run(): Promise<void> {
  console.log(`Preparing ${IMAGES} sources of ${SOURCE.width}x${SOURCE.height}…`);
  const site = await prepare();
  const withImages = { ...site.env, ...makeSite(site.root, imagePage()) };
  const cacheDir = (name: string) => path.join(site.root, `cache-${name}`);
  try {
    console.log(`${IMAGES} images x ${WIDTHS.length} widths x ${FORMATS.length} formats; sources ${fmt(site.sourceBytes / 1024 / 1024, 1)} MiB; PLACEHOLDER_CONCURRENCY ${process.env.PLACEHOLDER_CONCURRENCY ?? 'default (CPU count)'}`);

    // (a) and (b): one app, cold then cached.
    const app = await startApp({ ...withImages, IMAGE_CACHE_DIR: cacheDir('serve') });
    let renditions: ReturnType<typeof renditionsOf>;
    let bytes: Map<string, number>;
    try {
      let t = performance.now();
      const html = await (await fetch(`${app.url}/`)).text();
      const pageCold = performance.now() - t;
      t = performance.now();
      await (await fetch(`${app.url}/`)).text();
      const pageWarm = performance.now() - t;
      renditions = renditionsOf(html);
      if (renditions.length !== IMAGES * WIDTHS.length * FORMATS.length) throw new Error(`expected 108 renditions, found ${renditions.length}`);
      const urls = renditions.map((r) => r.url);

      console.log('\n(a) cold: first requests');
      console.log(`page with ${IMAGES} images, first request ${fmt(pageCold, 1)} ms (sources read and hashed); again ${fmt(pageWarm, 1)} ms (${fmt(pageCold / pageWarm, 1)}x)`);
      const cpuBefore = cpuSeconds(app.child.pid!);
      const cold = await fetchAll(app.url, urls, BROWSER_CONNECTIONS);
      const coldCpu = cpuSeconds(app.child.pid!) - cpuBefore;
      bytes = cold.bytes;
      console.log(`all ${urls.length} renditions, ${BROWSER_CONNECTIONS} at a time: ${fmt(cold.seconds, 1)} s wall, ${fmt(coldCpu, 1)} s server CPU (${fmt((coldCpu * 1000) / urls.length)} ms CPU per rendition)`);
      for (const format of FORMATS) {
        const row = WIDTHS.map((w) => `${w}w ${fmt(mean(renditions.filter((r) => r.format === format && r.width === w).map((r) => cold.latencies.get(r.url)!)))} ms`);
        console.log(`  first request, ${format.padEnd(4)} mean latency: ${row.join(', ')}  (queued behind others included)`);
      }

      console.log('\n(b) cached: the same requests again');
      const cpuWarm = cpuSeconds(app.child.pid!);
      const warm = await fetchAll(app.url, urls, BROWSER_CONNECTIONS);
      const warmCpu = cpuSeconds(app.child.pid!) - cpuWarm;
      console.log(
        `all ${urls.length} renditions: ${fmt(warm.seconds * 1000)} ms wall (${fmt(cold.seconds / warm.seconds)}x faster than cold), mean ${fmt(mean([...warm.latencies.values()]), 1)} ms a request, ${fmt((warmCpu * 1000) / urls.length, 2)} ms CPU a request`,
      );
      const one = renditions.find((r) => r.format === 'avif' && r.width === 1280)!;
      const sample = await capture(app.url + one.url);
      const etag = sample.headers.find(([name]) => name === 'etag')![1];
      const bare = await startBareServer(sample);
      try {
        const baseline = await measure(bare, () => load(`${bare.url}/x.avif`));
        const served = await measure(app, () => load(app.url + one.url));
        const revalidated = await measure(app, () => load(app.url + one.url, { headers: { 'if-none-match': etag } }));
        report('bare node:http, same bytes from memory', baseline);
        report(`cached 1280w AVIF (${fmt(sample.body.length / 1024, 1)} KiB)`, served, baseline);
        report('304 revalidation', revalidated, baseline);
      } finally {
        await bare.stop();
      }
    } finally {
      await app.stop();
    }

    console.log('\n(c) npm run build');
    // The quick builds twice each, the faster counted: the first run of a process pays for warming caches of the machine.
    const plainEnv = { ...site.env, ...makeSite(site.root, plainPage()), BUILD_DIR: path.join(site.root, 'build-plain'), IMAGE_CACHE_DIR: cacheDir('plain') };
    const plain = Math.min(await build(plainEnv), await build(plainEnv));
    const imagesEnv = { ...withImages, BUILD_DIR: path.join(site.root, 'build-images'), IMAGE_CACHE_DIR: cacheDir('build') };
    const coldBuild = await build(imagesEnv);
    const warmBuild = Math.min(await build(imagesEnv), await build(imagesEnv));
    console.log(`same page, plain <img> of the sources (nothing to make): ${fmt(plain, 2)} s`);
    console.log(`with image(), cold cache (108 renditions made):     ${fmt(coldBuild, 2)} s  (${fmt(coldBuild / plain, 1)}x plain)`);
    console.log(`with image(), warm cache (nothing made):            ${fmt(warmBuild, 2)} s  (${fmt(warmBuild / plain, 2)}x plain, ${fmt(coldBuild / warmBuild, 1)}x faster than cold)`);
    const built = renditions.reduce((sum, r) => sum + statSync(path.join(site.root, 'build-images', ...r.url.split('/').filter(Boolean))).size, 0);
    console.log(`renditions written by the build: ${renditions.length} files, ${fmt(built / 1024 / 1024, 2)} MiB`);

    console.log('\n(d) bytes, summed over the 12 images');
    const sumOf = (format: string, width: number) => renditions.filter((r) => r.format === format && r.width === width).reduce((sum, r) => sum + bytes.get(r.url)!, 0);
    console.log(`sources (4000x3000 JPEG q90): ${fmt(site.sourceBytes / 1024)} KiB`);
    for (const width of WIDTHS) {
      const jpg = sumOf('jpg', width);
      const row = FORMATS.map((format) => {
        const b = sumOf(format, width);
        return `${format} ${fmt(b / 1024).padStart(5)} KiB (${fmt((b / site.sourceBytes) * 100, 1)}% of source${format === 'jpg' ? '' : `, ${fmt((b / jpg) * 100)}% of JPEG`})`;
      });
      console.log(`  ${String(width).padStart(4)}w: ${row.join('; ')}`);
    }
  } finally {
    rmSync(site.root, { recursive: true, force: true });
  }
}
