// Text layout: the largest font size at which the text, wrapped at word
// boundaries, fits 90% of the image's width and height; each line centred,
// the block centred vertically.
import { Typeface, type FontName, type Outline, type ShapedWord } from './fonts.ts';

/** Share of the width and of the height the text may fill. */
const FILL = 0.9;
/** Below this size (in layout pixels) text is unreadable, so it is left out. */
export const MIN_FONT_SIZE = 6;
/** Steps of the search for the largest size; 2^-20 of the first guess is far below a pixel. */
const SEARCH_STEPS = 20;

export interface TextLayout {
  /** Font size in layout pixels. */
  fontSize: number;
  /** Each glyph's outline and origin (on its baseline), in layout pixels, y down. */
  glyphs: Array<{ outline: Outline; x: number; y: number }>;
}

interface Line {
  words: ShapedWord[];
  /** Em. */
  width: number;
}

/** Greedy wrapping, paragraph by paragraph, at a line width in em. */
function wrap(paragraphs: ShapedWord[][], space: number, maxWidth: number): Line[] {
  const lines: Line[] = [];
  for (const words of paragraphs) {
    let line: Line = { words: [], width: 0 };
    for (const word of words) {
      if (line.words.length && line.width + space + word.width > maxWidth) {
        lines.push(line);
        line = { words: [], width: 0 };
      }
      line.width += (line.words.length ? space : 0) + word.width;
      line.words.push(word);
    }
    lines.push(line);
  }
  return lines;
}

/** Where the text goes in a width × height (layout pixels) image, or null when it cannot fit legibly. */
export function layoutText(text: string, font: FontName, width: number, height: number): TextLayout | null {
  const typeface = Typeface.get(font);
  const paragraphs = text.split('\n').map((paragraph) => paragraph.split(' ').filter(Boolean).map((word) => typeface.shapeWord(word)));
  const widest = Math.max(0, ...paragraphs.flat().map((word) => word.width));
  if (widest === 0) return null;
  const { ascent, descent, lineGap, space } = typeface.metrics;
  const lineHeight = ascent + descent + lineGap;

  const fits = (size: number) => wrap(paragraphs, space, (FILL * width) / size).length * lineHeight * size <= FILL * height;
  // Fewer lines at a smaller size, so fitting is monotonic and a bisection finds the largest size.
  let size = Math.min((FILL * width) / widest, (FILL * height) / (paragraphs.length * lineHeight));
  if (!fits(size)) {
    let [low, high] = [0, size];
    for (let i = 0; i < SEARCH_STEPS; i++) {
      const mid = (low + high) / 2;
      if (fits(mid)) low = mid;
      else high = mid;
    }
    size = low;
  }
  if (size < MIN_FONT_SIZE) return null;

  const lines = wrap(paragraphs, space, (FILL * width) / size);
  const glyphs: TextLayout['glyphs'] = [];
  let baseline = (height - lines.length * lineHeight * size) / 2 + (lineGap / 2 + ascent) * size;
  for (const line of lines) {
    let x = (width - line.width * size) / 2;
    for (const word of line.words) {
      for (const glyph of word.glyphs) glyphs.push({ outline: glyph.outline, x: x + glyph.x * size, y: baseline - glyph.y * size });
      x += (word.width + space) * size;
    }
    baseline += lineHeight * size;
  }
  return { fontSize: size, glyphs };
}
