// The bundled fonts as the layout uses them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FONT_NAMES, Typeface } from '../src/placeholder/fonts.ts';

test('numbers put together from digit pairs match shaping the whole number, in every bundled font', () => {
  const numbers = [...Array.from({ length: 150 }, (_, n) => n), ...Array.from({ length: 300 }, (_, i) => 150 + i * 13), 4000];
  for (const font of FONT_NAMES) {
    const typeface = Typeface.get(font);
    for (const n of numbers) {
      const composed = typeface.shapeWord(String(n));
      const whole = typeface.faces[0]!.shape(String(n));
      assert.ok(Math.abs(composed.width - whole.advance) < 1e-9, `${font} ${n}: width ${composed.width} vs ${whole.advance}`);
      assert.equal(composed.glyphs.length, whole.glyphs.length, `${font} ${n}`);
      composed.glyphs.forEach((glyph, i) => {
        const expected = whole.glyphs[i]!;
        assert.equal(glyph.outline, expected.outline, `${font} ${n}: glyph ${i}`);
        assert.ok(Math.abs(glyph.x - expected.x) < 1e-9 && Math.abs(glyph.y - expected.y) < 1e-9, `${font} ${n}: glyph ${i} position`);
      });
    }
  }
});

test('every family draws the digits and × of the default text', () => {
  for (const font of FONT_NAMES) {
    const { glyphs, width } = Typeface.get(font).shapeWord('300\u00a0×\u00a0200');
    assert.equal(glyphs.length, 7, font);
    assert.ok(glyphs.every((glyph) => glyph.outline.commands.length > 0));
    assert.ok(width > 3 && width < 8, `${font}: ${width} em`);
  }
});
