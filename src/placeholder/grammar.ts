// The URL grammar of /image/, and the one place that validates it:
//
//   /image/<width>x<height>[@2x|@3x][/<background>[/<foreground>]](/ | .<format>)[?text=&font=&bg=&fg=]
//   /image/<width>x<height>[@2x|@3x](/ | .<format>)?photo=<path under static/>[&blur[=<1-10>]][&grayscale]
//
// Every accepted URL turns into canonical parameters with one canonical URL
// and one file name; every rejected one into a PlaceholderInputError that
// names the parameter and states its limits.
import { createHash } from 'node:crypto';
import { contrastingText, hexOf, parseColour, sameColour, type Rgba } from './colours.ts';
import { DEFAULT_FONT, FONT_NAMES, type FontName } from './font-names.ts';
import { isSafeSegment } from '../safe-path.ts';

export const IMAGE_PREFIX = '/image';
/** Largest width or height, in layout (CSS) pixels. */
export const MAX_SIDE = 2000;
/** Largest side in physical pixels, after the @2x/@3x multiplier. */
export const MAX_PIXELS = 4000;
export const SCALES = [1, 2, 3] as const;
/** Longest `text=`, in characters (Unicode code points). */
export const MAX_TEXT = 256;
export const DEFAULT_BACKGROUND = 'dddddd';

export const FORMATS = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  svg: 'image/svg+xml',
} as const;
export type Format = keyof typeof FORMATS;
const EXTENSIONS: Record<string, Format> = { ...Object.fromEntries(Object.keys(FORMATS).map((f) => [f, f as Format])), jpeg: 'jpg' };

const QUERY_PARAMETERS = ['bg', 'fg', 'text', 'font', 'photo', 'blur', 'grayscale'] as const;
/** Strongest `blur=`: a Gaussian of this many layout pixels (sigma), as Lorem Picsum's scale goes. */
export const MAX_BLUR = 10;
/** `blur` without a value. */
export const DEFAULT_BLUR = 5;

/** Bad input from a client, with the parameter it concerns and a message for a person. */
export class PlaceholderInputError extends Error {
  override name = 'PlaceholderInputError';
  readonly parameter: string;
  constructor(
    parameter: string,
    message: string,
  ) {
    super(message);
    this.parameter = parameter;
  }
}

/** What a caller may choose besides the size; strings as they appear in URLs. */
export interface PlaceholderOptions {
  bg?: string;
  fg?: string;
  text?: string;
  font?: string;
  format?: string;
  scale?: number;
  photo?: string;
  /** 1 to MAX_BLUR. */
  blur?: number | string;
  grayscale?: boolean;
}

/** The designer's own photo, cropped to the size. */
export interface Photo {
  /** Path under static/, "/" separated, no leading slash: "img/hero.jpg". */
  path: string;
  /** Gaussian blur in layout pixels (sigma); 0 for none. */
  blur: number;
  grayscale: boolean;
}

/** The canonical parameters of one image: everything its bytes depend on. */
export interface PlaceholderImage {
  /** Layout size; the image has width × scale by height × scale pixels. */
  width: number;
  height: number;
  scale: number;
  format: Format;
  contentType: string;
  background: Rgba;
  foreground: Rgba;
  /** The text drawn, lines separated by "\n"; empty for none. */
  text: string;
  font: FontName;
  /** Drawn from a photo under static/ instead of colours and text; null for none. */
  photo: Photo | null;
  /** Root-relative canonical URL, e.g. `/image/300x200/`. */
  url: string;
  /** File-name-safe and distinct for every distinct image, e.g. `300x200.png`. */
  fileName: string;
}

// Validation, one rule per parameter.

const sizeError = (got: string) =>
  new PlaceholderInputError('size', `Width and height must be whole numbers from 1 to ${MAX_SIDE} (got "${got.slice(0, 40)}").`);

const scaleError = (got: string) =>
  new PlaceholderInputError('scale', `The pixel density must be ${SCALES.map((s) => `@${s}x`).join(', ')} (got "${got.slice(0, 40)}").`);

function side(value: string, got: string): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_SIDE)) throw sizeError(got);
  return n;
}

function scaleOf(value: string, got: string): number {
  const n = /^\d$/.test(value) ? Number(value) : NaN;
  if (!(SCALES as readonly number[]).includes(n)) throw scaleError(got);
  return n;
}

function colour(parameter: 'bg' | 'fg', value: string): Rgba {
  const parsed = parseColour(value);
  if (!parsed) {
    throw new PlaceholderInputError(
      parameter,
      `${parameter} must be a hex colour of 3, 4, 6 or 8 digits (like eee, 336699 or 33669980), a CSS colour name (like steelblue) or transparent (got "${value.slice(0, 40)}").`,
    );
  }
  return parsed;
}

function format(value: string): Format {
  const f = EXTENSIONS[value.toLowerCase()];
  if (!f) {
    throw new PlaceholderInputError('format', `The format must be one of ${Object.keys(EXTENSIONS).join(', ')} (got "${value.slice(0, 20)}").`);
  }
  return f;
}

function font(value: string): FontName {
  const name = value.toLowerCase();
  if (!(FONT_NAMES as string[]).includes(name)) {
    throw new PlaceholderInputError('font', `font must be one of ${FONT_NAMES.join(', ')} (got "${value.slice(0, 40)}").`);
  }
  return name as FontName;
}

/** Line breaks as a newline, `%0A`, or the two characters `\n`; NFC so precomposed glyphs are found. */
function text(value: string): string {
  const normalised = value.replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').replace(/\t/g, ' ').normalize('NFC');
  const length = [...normalised].length;
  if (length > MAX_TEXT) {
    throw new PlaceholderInputError('text', `text must be at most ${MAX_TEXT} characters (got ${length}).`);
  }
  const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/.exec(normalised);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new PlaceholderInputError('text', `text must not contain control characters other than line breaks (got U+${code}).`);
  }
  return normalised;
}

/** A path under static/, as image() takes it ("img/hero.jpg", or the file's URL "/static/img/hero.jpg"); never one outside. */
function photoPath(value: string): string {
  const relative = value.replace(/^\/?static\//, '');
  const segments = relative.split('/').filter((segment) => segment !== '');
  if (relative.startsWith('/') || /^[a-z]:/i.test(relative) || segments.length === 0 || !segments.every(isSafeSegment)) {
    throw new PlaceholderInputError(
      'photo',
      `photo must be the path of an image under static/, like img/hero.jpg: no leading /, no .. or hidden names, no backslashes (got "${value.slice(0, 80)}").`,
    );
  }
  return segments.join('/');
}

function blur(value: string): number {
  if (value === '') return DEFAULT_BLUR;
  const n = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_BLUR)) throw new PlaceholderInputError('blur', `blur must be a whole number from 1 to ${MAX_BLUR}, or blur alone for ${DEFAULT_BLUR} (got "${value.slice(0, 20)}").`);
  return n;
}

function grayscale(value: string): boolean {
  if (value === '' || value === '1' || value === 'true') return true;
  throw new PlaceholderInputError('grayscale', `grayscale takes no value: add &grayscale for grey, leave it out for colour (got "${value.slice(0, 20)}").`);
}

/** The photo parameters, checked against the rest: a photo has no colours, text or font, and is never an SVG. */
function photoOf(raw: RawParameters, format: Format): Photo | null {
  if (raw.photo === undefined) {
    const effect = raw.blur !== undefined ? 'blur' : raw.grayscale !== undefined ? 'grayscale' : null;
    if (effect) throw new PlaceholderInputError(effect, `${effect} applies to a photo: add photo=img/hero.jpg (a file under static/).`);
    return null;
  }
  const drawn = (['bg', 'fg', 'text', 'font'] as const).filter((key) => raw[key] !== undefined);
  if (drawn.length) {
    throw new PlaceholderInputError(drawn[0]!, `A photo placeholder takes photo, blur and grayscale only: leave out ${drawn.join(', ')} (or the colours in the path).`);
  }
  if (format === 'svg') throw new PlaceholderInputError('format', 'A photo placeholder cannot be an SVG: use .png, .jpg, .webp, .avif or .gif.');
  return { path: photoPath(raw.photo), blur: raw.blur === undefined ? 0 : blur(raw.blur), grayscale: raw.grayscale !== undefined && grayscale(raw.grayscale) };
}

/** `photo=img/hero.jpg&blur=5&grayscale`: slashes left readable. */
function photoQuery(photo: Photo): string {
  const path = photo.path.split('/').map(encodeURIComponent).join('/');
  return [`photo=${path}`, photo.blur ? `blur=${photo.blur}` : '', photo.grayscale ? 'grayscale' : ''].filter(Boolean).join('&');
}

// Canonical form.

/** Inputs as strings, whether they came from a URL or from placeholderUrl(). */
interface RawParameters {
  width: string;
  height: string;
  /** For error messages: how the size was written. */
  size: string;
  scale: string;
  bg?: string;
  fg?: string;
  text?: string;
  font?: string;
  format: string;
  photo?: string;
  blur?: string;
  grayscale?: string;
}

/** No-break spaces keep the size on one line. */
const defaultText = (width: number, height: number) => `${width}\u00a0×\u00a0${height}`;
const hashOf = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

function canonical(raw: RawParameters): PlaceholderImage {
  const width = side(raw.width, raw.width || raw.size);
  const height = side(raw.height, raw.height || raw.size);
  const scale = scaleOf(raw.scale, `@${raw.scale}x`);
  if (Math.max(width, height) * scale > MAX_PIXELS) {
    throw new PlaceholderInputError(
      'scale',
      `At @${scale}x, width and height must be at most ${Math.floor(MAX_PIXELS / scale)}, so the image stays within ${MAX_PIXELS} pixels per side (got ${raw.size}).`,
    );
  }
  const imageFormat = format(raw.format);
  const photo = photoOf(raw, imageFormat);
  const background = colour('bg', raw.bg ?? DEFAULT_BACKGROUND);
  const automatic = contrastingText(background);
  const foreground = raw.fg === undefined ? automatic : colour('fg', raw.fg);
  const fontName = raw.font === undefined ? DEFAULT_FONT : font(raw.font);
  const drawn = raw.text === undefined ? defaultText(width, height) : text(raw.text);

  // Defaults are left out, so each image has one URL and one name.
  const size = `${width}x${height}${scale > 1 ? `@${scale}x` : ''}`;
  const colours: string[] = [];
  if (!sameColour(foreground, automatic)) colours.push(hexOf(background), hexOf(foreground));
  else if (hexOf(background) !== DEFAULT_BACKGROUND) colours.push(hexOf(background));
  const customText = drawn !== defaultText(width, height);
  const customFont = fontName !== DEFAULT_FONT;

  const query = photo ? photoQuery(photo) : [customText ? `text=${encodeURIComponent(drawn)}` : '', customFont ? `font=${fontName}` : ''].filter(Boolean).join('&');
  const path = [IMAGE_PREFIX, size, ...colours].join('/') + (imageFormat === 'png' ? '/' : `.${imageFormat}`);
  const name = photo
    ? [size, `photo${hashOf(photo.path)}`, photo.blur ? `b${photo.blur}` : '', photo.grayscale ? 'g' : ''].filter(Boolean).join('-')
    : [size, ...colours, customFont ? fontName : '', customText ? `t${hashOf(drawn)}` : ''].filter(Boolean).join('-');
  return {
    width,
    height,
    scale,
    format: imageFormat,
    contentType: FORMATS[imageFormat],
    background,
    foreground,
    text: photo ? '' : drawn,
    font: fontName,
    photo,
    url: query ? `${path}?${query}` : path,
    fileName: `${name}.${imageFormat}`,
  };
}

// Entry points.

/** Canonical parameters for a size and options; throws PlaceholderInputError. */
export function placeholderImage(width: number, height: number, options: PlaceholderOptions = {}): PlaceholderImage {
  const size = `${width}x${height}${options.scale && options.scale !== 1 ? `@${options.scale}x` : ''}`;
  return canonical({
    width: String(width),
    height: String(height),
    size,
    scale: String(options.scale ?? 1),
    bg: options.bg,
    fg: options.fg,
    text: options.text,
    font: options.font,
    format: options.format ?? 'png',
    photo: options.photo,
    blur: options.blur === undefined ? undefined : String(options.blur),
    grayscale: options.grayscale ? '' : undefined,
  });
}

/** The canonical root-relative URL, e.g. placeholderUrl(300, 200) === '/image/300x200/'. */
export function placeholderUrl(width: number, height: number, options: PlaceholderOptions = {}): string {
  return placeholderImage(width, height, options).url;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** "300x200.png" → ["300x200", "png"]; a dot before a digit ("1.5x2") is no extension. */
function splitExtension(segment: string): [string, string?] {
  const match = /^(.*)\.([a-z][a-z0-9]*)$/i.exec(segment);
  return match ? [match[1]!, match[2]!] : [segment];
}

/**
 * Parse the part of a path after `/image/` (still percent-encoded) and its
 * query string (without `?`); throws PlaceholderInputError.
 */
export function parseImagePath(rest: string, query: string): PlaceholderImage {
  const segments = rest.split('/').map(decodeSegment);
  if (segments.length > 1 && segments.at(-1) === '') segments.pop(); // the book's trailing slash
  if (segments.length > 3) {
    throw new PlaceholderInputError('path', `Too many path segments: the form is /image/<size>/<background>/<foreground>.<format> (got "/${rest.slice(0, 80)}").`);
  }
  const [last, extension = 'png'] = splitExtension(segments.at(-1)!);
  segments[segments.length - 1] = last;
  if (segments.slice(0, -1).some((segment) => splitExtension(segment)[1] !== undefined)) {
    throw new PlaceholderInputError('format', `The format extension goes on the last path segment, like /image/300x200/eeeeee.webp (got "/${rest.slice(0, 80)}").`);
  }

  const [size, pathBg, pathFg] = segments as [string, string?, string?];
  const match = /^([^xX@]*)(?:[xX]([^@]*))?(?:@(\d*)[xX])?$/.exec(size);
  if (!match) {
    // Not even the shape of a size: blame the part most likely wrong.
    const at = size.indexOf('@');
    throw at !== -1 && /^\d+([xX]\d+)?$/.test(size.slice(0, at)) ? scaleError(size.slice(at)) : sizeError(size);
  }
  const [, width = '', height = width, scale = '1'] = match;

  const raw: RawParameters = { width, height, size, scale, format: extension, bg: pathBg, fg: pathFg };
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) {
    if (!(QUERY_PARAMETERS as readonly string[]).includes(key)) {
      throw new PlaceholderInputError(key, `Unknown parameter "${key.slice(0, 40)}"; an image takes ${QUERY_PARAMETERS.join(', ')}.`);
    }
    const values = params.getAll(key);
    if (values.length > 1) throw new PlaceholderInputError(key, `Give ${key} only once (got ${values.length} values).`);
    if ((key === 'bg' || key === 'fg') && raw[key] !== undefined) {
      throw new PlaceholderInputError(key, `${key} is given both in the path and as ?${key}=; give it once.`);
    }
    raw[key as (typeof QUERY_PARAMETERS)[number]] = values[0]!;
  }
  return canonical(raw);
}

export type ParseResult = { ok: true; image: PlaceholderImage } | { ok: false; parameter: string; detail: string };

/**
 * For the static-site builder: any /image/... URL (root-relative or
 * absolute, with its query) to canonical parameters, or the error a
 * visitor would get as a 400.
 */
export function parsePlaceholderUrl(url: string): ParseResult {
  const parsed = new URL(url, 'http://localhost');
  const rawPath = parsed.pathname;
  if (!rawPath.startsWith(`${IMAGE_PREFIX}/`) || rawPath === `${IMAGE_PREFIX}/`) {
    return { ok: false, parameter: 'path', detail: `Not an image URL: images live under ${IMAGE_PREFIX}/<width>x<height>/ (got "${rawPath.slice(0, 80)}").` };
  }
  try {
    return { ok: true, image: parseImagePath(rawPath.slice(IMAGE_PREFIX.length + 1), parsed.search.slice(1)) };
  } catch (err) {
    if (err instanceof PlaceholderInputError) return { ok: false, parameter: err.parameter, detail: err.message };
    throw err;
  }
}
