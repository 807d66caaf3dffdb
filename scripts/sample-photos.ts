// The starter site's sample photographs (static/img/hero.jpg and
// static/img/team/*.jpg), drawn here with sharp so the project never
// downloads pictures it may not use. Scenes are SVG (gradients, soft
// shapes) with a little film grain, encoded as camera-sized JPEGs, so
// image() has real work to do. The output is committed; run this again
// only to change the pictures:
//
//   node --import tsx scripts/sample-photos.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT } from '../src/settings.ts';

const OUT = path.join(ROOT, 'static', 'img');

/** Deterministic grain: the same pictures on every run. */
function grain(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = 128 + (((state >>> 0) % 41) - 20);
  }
  return pixels;
}

async function photo(file: string, width: number, height: number, svg: string, seed: number): Promise<void> {
  const noise = await sharp(grain(width, height, seed), { raw: { width, height, channels: 1 } }).blur(0.6).toColourspace('srgb').png().toBuffer();
  await sharp(Buffer.from(svg))
    .resize(width, height)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 82, mozjpeg: true })
    .toFile(file);
  console.log(`${path.relative(ROOT, file)}: ${width}x${height}`);
}

const hero = (w: number, h: number) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d3557"/><stop offset="0.55" stop-color="#e76f51"/><stop offset="1" stop-color="#f4a261"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff3c4"/><stop offset="1" stop-color="#fff3c4" stop-opacity="0"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="${w / 300}"/></filter>
  </defs>
  <rect width="${w}" height="${h}" fill="url(#sky)"/>
  <circle cx="${w * 0.68}" cy="${h * 0.52}" r="${h * 0.3}" fill="url(#sun)"/>
  <g filter="url(#soft)">
    <path d="M0 ${h * 0.72} C ${w * 0.2} ${h * 0.6}, ${w * 0.35} ${h * 0.62}, ${w * 0.5} ${h * 0.7} S ${w * 0.8} ${h * 0.58}, ${w} ${h * 0.66} V ${h} H 0 Z" fill="#264653"/>
    <path d="M0 ${h * 0.82} C ${w * 0.25} ${h * 0.74}, ${w * 0.45} ${h * 0.8}, ${w * 0.62} ${h * 0.84} S ${w * 0.9} ${h * 0.76}, ${w} ${h * 0.8} V ${h} H 0 Z" fill="#1b2f38"/>
  </g>
</svg>`;

const portrait = (w: number, h: number, [bg1, bg2, shirt, skin]: string[]) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
  <defs>
    <radialGradient id="bg" cx="0.35" cy="0.3" r="0.9"><stop offset="0" stop-color="${bg1}"/><stop offset="1" stop-color="${bg2}"/></radialGradient>
    <radialGradient id="light" cx="0.4" cy="0.35" r="0.6"><stop offset="0" stop-color="#ffffff" stop-opacity="0.35"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="${w / 250}"/></filter>
    <filter id="bokeh"><feGaussianBlur stdDeviation="${w / 40}"/></filter>
  </defs>
  <rect width="${w}" height="${h}" fill="url(#bg)"/>
  <g filter="url(#bokeh)" opacity="0.5">
    <circle cx="${w * 0.15}" cy="${h * 0.2}" r="${w * 0.08}" fill="#ffffff"/>
    <circle cx="${w * 0.85}" cy="${h * 0.3}" r="${w * 0.12}" fill="${bg1}"/>
  </g>
  <g filter="url(#soft)">
    <ellipse cx="${w / 2}" cy="${h * 1.02}" rx="${w * 0.48}" ry="${h * 0.36}" fill="${shirt}"/>
    <rect x="${w * 0.43}" y="${h * 0.5}" width="${w * 0.14}" height="${h * 0.2}" rx="${w * 0.05}" fill="${skin}"/>
    <ellipse cx="${w / 2}" cy="${h * 0.4}" rx="${w * 0.19}" ry="${h * 0.17}" fill="${skin}"/>
  </g>
  <rect width="${w}" height="${h}" fill="url(#light)"/>
</svg>`;

const TEAM: Record<string, string[]> = {
  ada: ['#a8dadc', '#457b9d', '#1d3557', '#e0b49a'],
  grace: ['#ffd6a5', '#e76f51', '#264653', '#c68e6b'],
  alan: ['#cdeac0', '#588157', '#3a5a40', '#f1c9a5'],
  katherine: ['#e0c3fc', '#7b2cbf', '#240046', '#8d5a3b'],
};

mkdirSync(path.join(OUT, 'team'), { recursive: true });
await photo(path.join(OUT, 'hero.jpg'), 2400, 1600, hero(2400, 1600), 1);
let seed = 2;
for (const [name, colours] of Object.entries(TEAM)) await photo(path.join(OUT, 'team', `${name}.jpg`), 1200, 1500, portrait(1200, 1500, colours), seed++);
