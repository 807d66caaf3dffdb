// SVG output: the same glyph outlines the rasteriser fills, as one path, so
// the vector image matches the bitmaps and needs no fonts where it is shown.
import type { Rgba } from './colours.ts';
import type { PlaceholderImage } from './grammar.ts';
import type { TextLayout } from './layout.ts';

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);

/** Two decimals: a hundredth of a pixel, below anything visible. */
const num = (n: number): string => String(Math.round(n * 100) / 100);

function paint(colour: Rgba): string {
  const hex = `#${[colour.r, colour.g, colour.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  return colour.a === 255 ? `fill="${hex}"` : `fill="${hex}" fill-opacity="${num(colour.a / 255)}"`;
}

function pathData(layout: TextLayout): string {
  const size = layout.fontSize;
  const parts: string[] = [];
  for (const { outline, x, y } of layout.glyphs) {
    const c = outline.commands;
    const point = (i: number) => `${num(x + c[i]! * size)} ${num(y - c[i + 1]! * size)}`;
    for (let i = 0; i < c.length; ) {
      switch (c[i]) {
        case 0:
          parts.push(`M${point(i + 1)}`);
          i += 3;
          break;
        case 1:
          parts.push(`L${point(i + 1)}`);
          i += 3;
          break;
        case 2:
          parts.push(`Q${point(i + 1)} ${point(i + 3)}`);
          i += 5;
          break;
        case 3:
          parts.push(`C${point(i + 1)} ${point(i + 3)} ${point(i + 5)}`);
          i += 7;
          break;
        default:
          parts.push('Z');
          i += 1;
      }
    }
  }
  return parts.join('');
}

export function encodeSvg(image: PlaceholderImage, layout: TextLayout | null): Buffer {
  const { width, height, scale, background, foreground, text } = image;
  const label = escapeXml(text.replace(/\n/g, ' '));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width * scale}" height="${height * scale}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">` +
      `<title>${label}</title>` +
      (background.a ? `<rect width="${width}" height="${height}" ${paint(background)}/>` : '') +
      (layout ? `<path ${paint(foreground)} d="${pathData(layout)}"/>` : '') +
      '</svg>\n',
  );
}
