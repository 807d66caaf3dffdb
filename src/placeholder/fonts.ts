// The bundled fonts: OFL-licensed families installed from npm (Fontsource),
// read with fontkit, so text looks the same on every machine whether or not
// it has any system fonts. Fontsource splits each family into per-script
// subset files; a character is drawn from the first subset (then the first
// other family) that has it, and from the family's .notdef box otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';

// The names live apart (font-names.ts), so that parsing an image URL, which
// every page render does, never loads fontkit.
export { DEFAULT_FONT, FONT_NAMES, FONTS, type FontInfo, type FontName } from './font-names.ts';
import { FONT_NAMES, FONTS, type FontName } from './font-names.ts';

const require = createRequire(import.meta.url);

/**
 * A glyph outline in em units (y up), as flat commands: 0 x y (move),
 * 1 x y (line), 2 cx cy x y (quadratic), 3 c1x c1y c2x c2y x y (cubic),
 * 4 (close); with the bounding box of its points.
 */
export interface Outline {
  commands: Float64Array;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/**
 * Contextual alternates off: they are most of fontkit's shaping time, and
 * they turn typed sequences like -> or != into other glyphs, where a
 * placeholder should show what was typed. Kerning, ligatures and marks stay.
 */
const SHAPING = { calt: false };

const OPS: Record<string, number> = { moveTo: 0, lineTo: 1, quadraticCurveTo: 2, bezierCurveTo: 3, closePath: 4 };

const WOFF_HEADER = 44;
const WOFF_ENTRY = 20;
const SFNT_HEADER = 12;
const SFNT_ENTRY = 16;
const padded = (n: number) => (n + 3) & ~3;

/**
 * The TrueType/OpenType font a WOFF file wraps, its tables inflated by
 * node's zlib. fontkit reads WOFF itself, but inflates in JavaScript, and
 * the whole glyph table again for every glyph it draws: most of the time
 * the first images took. The tables are the same bytes either way.
 */
function sfntOfWoff(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') return woff;
  const count = woff.readUInt16BE(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const entry = WOFF_HEADER + i * WOFF_ENTRY;
    const [offset, compressed, length] = [woff.readUInt32BE(entry + 4), woff.readUInt32BE(entry + 8), woff.readUInt32BE(entry + 12)];
    const stored = woff.subarray(offset, offset + compressed);
    return {
      tag: woff.readUInt32BE(entry),
      checksum: woff.readUInt32BE(entry + 16),
      data: compressed < length ? inflateSync(stored) : stored,
    };
  });
  const sfnt = Buffer.alloc(SFNT_HEADER + count * SFNT_ENTRY + tables.reduce((sum, table) => sum + padded(table.data.length), 0));
  // The offset table's search fields, as the format defines them from the table count.
  const entrySelector = Math.floor(Math.log2(count));
  const searchRange = 2 ** entrySelector * SFNT_ENTRY;
  sfnt.writeUInt32BE(woff.readUInt32BE(4), 0); // the flavor: TrueType or CFF outlines
  sfnt.writeUInt16BE(count, 4);
  sfnt.writeUInt16BE(searchRange, 6);
  sfnt.writeUInt16BE(entrySelector, 8);
  sfnt.writeUInt16BE(count * SFNT_ENTRY - searchRange, 10);
  let offset = SFNT_HEADER + count * SFNT_ENTRY;
  tables.forEach((table, i) => {
    const entry = SFNT_HEADER + i * SFNT_ENTRY;
    sfnt.writeUInt32BE(table.tag, entry);
    sfnt.writeUInt32BE(table.checksum, entry + 4);
    sfnt.writeUInt32BE(offset, entry + 8);
    sfnt.writeUInt32BE(table.data.length, entry + 12);
    table.data.copy(sfnt, offset);
    offset += padded(table.data.length);
  });
  return sfnt;
}

/** One subset file of a family, opened on first use. */
class Face {
  private font: fontkit.Font | null = null;
  private readonly outlines = new Map<number, Outline>();

  private readonly file: string;
  private readonly ranges: ReadonlyArray<readonly [number, number]>;
  constructor(
    file: string,
    ranges: ReadonlyArray<readonly [number, number]>,
  ) {
    this.file = file;
    this.ranges = ranges;
  }

  private open(): fontkit.Font {
    this.font ??= fontkit.create(sfntOfWoff(readFileSync(this.file))) as fontkit.Font;
    return this.font;
  }

  /** Metrics in em: ascent above the baseline, descent below (positive), gap between lines. */
  get metrics(): { ascent: number; descent: number; lineGap: number } {
    const font = this.open();
    return { ascent: font.ascent / font.unitsPerEm, descent: -font.descent / font.unitsPerEm, lineGap: font.lineGap / font.unitsPerEm };
  }

  covers(codePoint: number): boolean {
    // The subset's declared ranges are checked first, so unrelated subsets are never opened.
    return this.ranges.some(([low, high]) => codePoint >= low && codePoint <= high) && this.open().hasGlyphForCodePoint(codePoint);
  }

  /** Shape a run of text this face covers: glyph outlines with positions in em. */
  shape(text: string): { glyphs: PlacedGlyph[]; advance: number } {
    const font = this.open();
    const run = font.layout(text, { ...SHAPING });
    const em = 1 / font.unitsPerEm;
    const glyphs: PlacedGlyph[] = [];
    let x = 0;
    run.glyphs.forEach((glyph, i) => {
      const position = run.positions[i]!;
      glyphs.push({ outline: this.outline(glyph.id), x: (x + position.xOffset) * em, y: position.yOffset * em });
      x += position.xAdvance;
    });
    return { glyphs, advance: x * em };
  }

  /** The box a font draws for characters it lacks, and its advance in em. */
  notdef(): { outline: Outline; advance: number } {
    const font = this.open();
    return { outline: this.outline(0), advance: font.getGlyph(0).advanceWidth / font.unitsPerEm };
  }

  outline(glyphId: number): Outline {
    let outline = this.outlines.get(glyphId);
    if (!outline) {
      const font = this.open();
      const em = 1 / font.unitsPerEm;
      const flat: number[] = [];
      let [xMin, yMin, xMax, yMax] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const { command, args } of font.getGlyph(glyphId).path.commands) {
        flat.push(OPS[command]!);
        for (let i = 0; i < args.length; i += 2) {
          const [x, y] = [args[i]! * em, args[i + 1]! * em];
          flat.push(x, y);
          [xMin, yMin, xMax, yMax] = [Math.min(xMin, x), Math.min(yMin, y), Math.max(xMax, x), Math.max(yMax, y)];
        }
      }
      outline = flat.length ? { commands: Float64Array.from(flat), xMin, yMin, xMax, yMax } : { commands: new Float64Array(), xMin: 0, yMin: 0, xMax: 0, yMax: 0 };
      this.outlines.set(glyphId, outline);
    }
    return outline;
  }
}

export interface PlacedGlyph {
  outline: Outline;
  /** Em units from the start of the word; y is up from the baseline. */
  x: number;
  y: number;
}

/** A word laid out once and reused: glyphs and total advance, in em. */
export interface ShapedWord {
  glyphs: PlacedGlyph[];
  width: number;
}

/** Glyphs of shaped words kept per family (about 3 MB); the default text needs only numbers and ×. */
const SHAPED_GLYPHS_KEPT = 65_536;
const NO_BREAK_SPACE = '\u00a0';
/** Three digits or more; shorter numbers are shaped and kept like any word. */
const NUMBER = /^[0-9]{3,}$/;

/** "U+0000-00FF,U+0131" → [[0, 255], [305, 305]] */
function parseRanges(list: string): Array<[number, number]> {
  return list.split(',').map((range) => {
    const [low, high] = range.trim().replace(/^U\+/i, '').split('-');
    return [parseInt(low!, 16), parseInt(high ?? low!, 16)];
  });
}

export class Typeface {
  /** Latin first: it holds the digits, × and .notdef that every image needs. */
  readonly faces: Face[];
  private fallbacks: Typeface[] = [];
  private readonly words = new Map<string, ShapedWord>();
  private wordGlyphs = 0;

  readonly name: FontName;
  constructor(name: FontName) {
    this.name = name;
    const { package: pkg, weight } = FONTS[name];
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const subsets = JSON.parse(readFileSync(path.join(dir, 'unicode.json'), 'utf8')) as Record<string, string>;
    const order = (subset: string) => (subset === 'latin' ? 0 : subset === 'latin-ext' ? 1 : 2);
    this.faces = Object.keys(subsets)
      .sort((a, b) => order(a) - order(b))
      .map((subset) => new Face(path.join(dir, 'files', `${path.basename(pkg)}-${subset}-${weight}-normal.woff`), parseRanges(subsets[subset]!)));
  }

  #metrics: { ascent: number; descent: number; lineGap: number; space: number } | undefined;

  /** Em metrics of the family, from its Latin face: ascent, descent (positive), line gap, width of a space. */
  get metrics() {
    this.#metrics ??= { ...this.faces[0]!.metrics, space: this.faces[0]!.shape(' ').advance };
    return this.#metrics;
  }

  private faceFor(codePoint: number): Face | undefined {
    return this.faces.find((face) => face.covers(codePoint)) ?? this.fallbacks.flatMap((typeface) => typeface.faces).find((face) => face.covers(codePoint));
  }

  /**
   * A word (no breaking spaces) shaped into glyphs. No-break spaces join
   * pieces shaped separately, so "300 × 200" reuses "300", "×" and "200".
   */
  shapeWord(word: string): ShapedWord {
    if (!word.includes(NO_BREAK_SPACE)) return this.shapePiece(word);
    const glyphs: PlacedGlyph[] = [];
    let width = 0;
    for (const [i, piece] of word.split(NO_BREAK_SPACE).entries()) {
      if (i > 0) width += this.metrics.space;
      const shaped = this.shapePiece(piece);
      for (const glyph of shaped.glyphs) glyphs.push({ ...glyph, x: glyph.x + width });
      width += shaped.width;
    }
    return { glyphs, width };
  }

  /** Text without spaces, in runs of the face that covers each character. */
  private shapePiece(word: string): ShapedWord {
    if (NUMBER.test(word)) return this.shapeNumber(word);
    let shaped = this.words.get(word);
    if (shaped) return shaped;
    const glyphs: PlacedGlyph[] = [];
    let width = 0;
    const place = (run: { glyphs: PlacedGlyph[]; advance: number }) => {
      for (const glyph of run.glyphs) glyphs.push({ ...glyph, x: glyph.x + width });
      width += run.advance;
    };
    let runFace: Face | undefined;
    let run = '';
    const flush = () => {
      if (run) place(runFace ? runFace.shape(run) : this.missing(run));
      run = '';
    };
    for (const char of word) {
      const face = this.faceFor(char.codePointAt(0)!);
      if (face !== runFace) flush();
      runFace = face;
      run += char;
    }
    flush();
    shaped = { glyphs, width };
    this.words.set(word, shaped);
    this.wordGlyphs += glyphs.length;
    for (const [oldest, { glyphs: dropped }] of this.words) {
      if (this.wordGlyphs <= SHAPED_GLYPHS_KEPT) break;
      this.words.delete(oldest);
      this.wordGlyphs -= dropped.length;
    }
    return shaped;
  }

  /**
   * A number, the default text, put together from its digits and the
   * kerning of each pair of digits, each shaped once: the same result as
   * shaping the whole number (a test checks this for the bundled fonts),
   * without fontkit's cost for every new size.
   */
  private shapeNumber(digits: string): ShapedWord {
    const glyphs: PlacedGlyph[] = [];
    let width = 0;
    for (let i = 0; i < digits.length; i++) {
      const digit = this.shapePiece(digits[i]!);
      for (const glyph of digit.glyphs) glyphs.push({ ...glyph, x: glyph.x + width });
      width += digit.width;
      if (i + 1 < digits.length) width += this.shapePiece(digits.slice(i, i + 2)).width - digit.width - this.shapePiece(digits[i + 1]!).width;
    }
    return { glyphs, width };
  }

  /** Characters no bundled font has: one .notdef box each, so the gap is visible. */
  private missing(run: string): { glyphs: PlacedGlyph[]; advance: number } {
    const { outline, advance } = this.faces[0]!.notdef();
    const chars = [...run];
    return { glyphs: chars.map((_, i) => ({ outline, x: i * advance, y: 0 })), advance: chars.length * advance };
  }

  static #all: Map<FontName, Typeface> | undefined;

  /** The family for a `font=` name; each loads its files only when first drawn. */
  static get(name: FontName): Typeface {
    if (!Typeface.#all) {
      Typeface.#all = new Map(FONT_NAMES.map((n) => [n, new Typeface(n)]));
      for (const typeface of Typeface.#all.values()) {
        typeface.fallbacks = FONT_NAMES.filter((n) => n !== typeface.name).map((n) => Typeface.#all!.get(n)!);
      }
    }
    return Typeface.#all.get(name)!;
  }
}
