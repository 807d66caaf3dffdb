// What the home page (templates/placeholder/home.html) shows: the grammar,
// live examples with absolute URLs for the host the visitor used, the
// fonts and the limits, all taken from the code that enforces them.
import { FONT_NAMES, FONTS } from './fonts.ts';
import { DEFAULT_BACKGROUND, DEFAULT_BLUR, FORMATS, IMAGE_PREFIX, MAX_BLUR, MAX_PIXELS, MAX_SIDE, MAX_TEXT, SCALES } from './grammar.ts';

interface Example {
  path: string;
  note: string;
  /** Size to show it at on the page, in CSS pixels. */
  width: number;
  height: number;
}

const EXAMPLES: Example[] = [
  { path: '/300x200/', note: "The book's URL: a PNG with its size written on it.", width: 300, height: 200 },
  { path: '/150/', note: 'One number for a square.', width: 150, height: 150 },
  { path: '/300x200@2x.png', note: 'For high-density screens: 600×400 pixels for a 300×200 slot, same layout.', width: 300, height: 200 },
  { path: '/300x200/1e293b/e2e8f0.webp', note: 'Background and text colours as path segments, like placehold.co and dummyimage.', width: 300, height: 200 },
  { path: '/300x200.jpg?bg=rebeccapurple', note: 'Colours as query parameters too; without fg, a shade of the background that reads well.', width: 300, height: 200 },
  { path: '/640x360/fde68a.svg?text=Hero%20image%0A16%3A9', note: 'Your own text, with a line break; SVG draws the same outlines as the bitmaps.', width: 320, height: 180 },
  { path: '/300x200/transparent.png?fg=steelblue&font=serif&text=Transparent', note: 'A transparent background (PNG, WebP, AVIF, GIF, SVG).', width: 300, height: 200 },
  { path: '/728x90.avif?font=mono&text=Leaderboard%20728%20%C3%97%2090', note: 'AVIF, a monospace font, and text set as large as fits.', width: 364, height: 45 },
  { path: '/160x600.gif?bg=f1f5f9', note: 'GIF for the tools that still want it.', width: 80, height: 300 },
];

const ERRORS = [
  { path: '/12ax200/', note: 'Not a whole number.' },
  { path: '/2001x100/', note: `Wider than ${MAX_SIDE}.` },
  { path: '/300x200.bmp', note: 'Not a format served here.' },
  { path: '/300x200/notacolour/', note: 'Not a colour.' },
  { path: '/300x200/?font=comic', note: 'Not a bundled font.' },
  { path: '/300x200/?photo=../secret.jpg', note: 'A photo outside static/.' },
];

const PANGRAM = 'Sphinx of black quartz, judge my vow';

export function homeContext(origin: string) {
  const absolute = (path: string) => `${origin}${IMAGE_PREFIX}${path}`;
  return {
    base: `${origin}${IMAGE_PREFIX}/`,
    examples: EXAMPLES.map((example) => ({ ...example, url: absolute(example.path) })),
    errors: ERRORS.map((error) => ({ ...error, url: absolute(error.path) })),
    fonts: FONT_NAMES.map((name, i) => ({
      name,
      ...FONTS[name],
      isDefault: i === 0,
      sample: absolute(`/600x60/ffffff.svg?font=${name}&text=${encodeURIComponent(PANGRAM)}`),
    })),
    formats: Object.keys(FORMATS),
    scales: SCALES.filter((scale) => scale > 1).map((scale) => `@${scale}x`),
    limits: { side: MAX_SIDE, pixels: MAX_PIXELS, text: MAX_TEXT, blur: MAX_BLUR, defaultBlur: DEFAULT_BLUR },
    defaultBackground: DEFAULT_BACKGROUND,
  };
}
