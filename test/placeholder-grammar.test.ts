// The /image/ URL grammar without a server: canonical URLs and names, and a
// clear error for each kind of bad input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contrast, contrastingText, over, parseColour, WHITE } from '../src/placeholder/colours.ts';
import { parsePlaceholderUrl, placeholderUrl, type PlaceholderImage } from '../src/placeholder/grammar.ts';

function parsed(url: string): PlaceholderImage {
  const result = parsePlaceholderUrl(url);
  assert.ok(result.ok, `${url}: ${result.ok ? '' : result.detail}`);
  return result.image;
}

function rejected(url: string): { parameter: string; detail: string } {
  const result = parsePlaceholderUrl(url);
  assert.ok(!result.ok, `${url} should be rejected`);
  return result;
}

describe('placeholderUrl', () => {
  test('the plain PNG is the book URL', () => {
    assert.equal(placeholderUrl(300, 200), '/image/300x200/');
  });

  test('colours, text, font, format and density each appear once, defaults left out', () => {
    assert.equal(placeholderUrl(300, 200, { bg: 'eee', text: 'Hero' }), '/image/300x200/eeeeee/?text=Hero');
    assert.equal(placeholderUrl(300, 200, { format: 'webp', scale: 2 }), '/image/300x200@2x.webp');
    assert.equal(placeholderUrl(300, 200, { fg: '333' }), '/image/300x200/dddddd/333333/');
    assert.equal(placeholderUrl(300, 200, { font: 'serif', format: 'jpeg' }), '/image/300x200.jpg?font=serif');
    assert.equal(placeholderUrl(300, 200, { bg: 'transparent', format: 'svg' }), '/image/300x200/00000000.svg');
    assert.equal(placeholderUrl(300, 200, { text: 'a b\nc&d' }), '/image/300x200/?text=a%20b%0Ac%26d');
    assert.equal(placeholderUrl(300, 200, { bg: 'dddddd', font: 'sans', format: 'png', scale: 1 }), '/image/300x200/');
  });

  test('throws a named error for bad options', () => {
    assert.throws(() => placeholderUrl(0, 200), { name: 'PlaceholderInputError', parameter: 'size' });
    assert.throws(() => placeholderUrl(300.5, 200), { parameter: 'size', message: /got "300.5"/ });
    assert.throws(() => placeholderUrl(300, 200, { bg: 'nope' }), { parameter: 'bg' });
    assert.throws(() => placeholderUrl(300, 200, { scale: 4 }), { parameter: 'scale' });
  });
});

describe('parsePlaceholderUrl', () => {
  test('every spelling of one image has the same canonical URL and file name', () => {
    const spellings = [
      ['/image/300x200/', '/image/300x200', '/image/300x200.png', '/image/300X200/', '/image/300x200/dddddd/', '/image/300x200/?bg=DDD', 'http://example.com/image/300x200/'],
      ['/image/300/', '/image/300x300.png', '/image/300@1x/'],
      ['/image/300x200/eee/333.jpg', '/image/300x200.jpeg?bg=eeeeee&fg=333333', '/image/300x200/EEEEEE.JPG?fg=%23333'],
      ['/image/300x200/white/', '/image/300x200/fff/', '/image/300x200/ffffffff/'],
      ['/image/300x200/?text=one%0Atwo', '/image/300x200/?text=one\\ntwo', '/image/300x200/?text=one%0D%0Atwo'],
    ];
    for (const group of spellings) {
      const images = group.map(parsed);
      for (const image of images) {
        assert.equal(image.url, images[0]!.url, group.join(' vs '));
        assert.equal(image.fileName, images[0]!.fileName);
      }
    }
  });

  test('canonical URLs parse back to themselves', () => {
    for (const url of [
      '/image/300x200/',
      '/image/300x200@2x.webp',
      '/image/300x200/eeeeee/?text=Hero',
      '/image/300x200/dddddd/333333.gif?text=a%20b%0Ac&font=mono',
      '/image/1x1/00000000.svg',
      '/image/1333x1333@3x.avif',
    ]) {
      assert.equal(parsed(url).url, url);
    }
  });

  test('file names are safe, carry the extension, and differ whenever the image does', () => {
    const urls = [
      '/image/300x200/',
      '/image/200x300/',
      '/image/300x200@2x/',
      '/image/300x200.jpg',
      '/image/300x200/eeeeee/',
      '/image/300x200/eeeeee/111111/',
      '/image/300x200/eeeeee80/',
      '/image/300x200/?text=',
      '/image/300x200/?text=Hero',
      '/image/300x200/?text=hero',
      '/image/300x200/?font=serif',
      '/image/300x200/?font=mono',
      '/image/300x200/?text=300%20%C3%97%20200',
    ];
    const names = urls.map((url) => parsed(url).fileName);
    assert.equal(new Set(names).size, names.length, names.join(' '));
    for (const name of names) assert.match(name, /^[A-Za-z0-9@._-]+\.(png|jpg|webp|avif|gif|svg)$/);
    assert.equal(parsed('/image/300x200/').fileName, '300x200.png');
    assert.equal(parsed('/image/300x200@2x.webp').fileName, '300x200@2x.webp');
  });

  test('the default text is the size, the default font sans', () => {
    const image = parsed('/image/300x200@2x/');
    assert.equal(image.text, '300\u00a0×\u00a0200');
    assert.equal(image.font, 'sans');
    assert.deepEqual([image.width, image.height, image.scale, image.format, image.contentType], [300, 200, 2, 'png', 'image/png']);
    assert.equal(parsed('/image/300x200/?text=').text, '');
  });

  test('text: line breaks three ways, 256 characters at most', () => {
    assert.equal(parsed('/image/300x200/?text=a%0Ab\\nc').text, 'a\nb\nc');
    assert.equal(parsed(`/image/300x200/?text=${'é'.repeat(256)}`).text.length, 256);
    const tooLong = rejected(`/image/300x200/?text=${'a'.repeat(257)}`);
    assert.equal(tooLong.parameter, 'text');
    assert.match(tooLong.detail, /at most 256 characters \(got 257\)/);
    assert.equal(rejected('/image/300x200/?text=a%07b').parameter, 'text');
  });

  test('sizes outside 1 to 2000 or not whole numbers are refused with the limits', () => {
    for (const size of ['0', '2001', '12a', '-5', '300x0', '300x2001', 'x200', '1.5x2', 'abc', '']) {
      const error = rejected(`/image/${size}/`);
      assert.equal(error.parameter, 'size', size);
      assert.match(error.detail, /whole numbers from 1 to 2000/);
    }
    assert.equal(rejected('/image/12a/').detail, 'Width and height must be whole numbers from 1 to 2000 (got "12a").');
    assert.match(rejected('/image/300x12a/').detail, /got "12a"/);
  });

  test('density is @1x to @3x and at most 4000 pixels per side', () => {
    assert.equal(parsed('/image/2000x2000@2x/').scale, 2);
    for (const url of ['/image/300x200@4x/', '/image/300x200@x/', '/image/300x200@2/', '/image/1334x10@3x/']) {
      const error = rejected(url);
      assert.equal(error.parameter, 'scale', url);
    }
    assert.match(rejected('/image/1334x10@3x/').detail, /at most 1333.*4000 pixels/);
  });

  test('colours: hex of 3, 4, 6 or 8 digits, CSS names, transparent; anything else named', () => {
    assert.deepEqual(parseColour('abc'), { r: 0xaa, g: 0xbb, b: 0xcc, a: 255 });
    assert.deepEqual(parseColour('abcd'), { r: 0xaa, g: 0xbb, b: 0xcc, a: 0xdd });
    assert.deepEqual(parseColour('#336699'), { r: 0x33, g: 0x66, b: 0x99, a: 255 });
    assert.deepEqual(parseColour('33669980'), { r: 0x33, g: 0x66, b: 0x99, a: 0x80 });
    assert.deepEqual(parseColour('RebeccaPurple'), { r: 0x66, g: 0x33, b: 0x99, a: 255 });
    assert.deepEqual(parseColour('transparent'), { r: 0, g: 0, b: 0, a: 0 });
    for (const bad of ['ab', '12345', 'ggg', 'reddish', '#']) assert.equal(parseColour(bad), null, bad);
    assert.equal(rejected('/image/300x200/zzz/').parameter, 'bg');
    assert.equal(rejected('/image/300x200/eee/zzz/').parameter, 'fg');
    assert.equal(rejected('/image/300x200/?fg=12345').parameter, 'fg');
    assert.match(rejected('/image/300x200/?bg=zzz').detail, /bg must be a hex colour of 3, 4, 6 or 8 digits.*CSS colour name.*transparent \(got "zzz"\)/);
  });

  test('without fg, the text colour is a shade of the background with at least 4.5:1 contrast', () => {
    for (const bg of ['dddddd', 'ffffff', '000000', '777777', 'ff0000', '336699', 'ffff00', '00000000', '33669980']) {
      // Translucent backgrounds are judged as they look over a white page.
      const seen = over(parseColour(bg)!, WHITE);
      const text = contrastingText(parseColour(bg)!);
      assert.ok(contrast(seen, text) >= 4.5, `${bg}: ${contrast(seen, text)}`);
      assert.ok(contrast(seen, text) < 7, `${bg}: a shade, not black or white`);
      assert.equal(text.a, 255);
    }
    assert.deepEqual(parsed('/image/300x200/').foreground, contrastingText(parseColour('dddddd')!));
  });

  test('formats by extension only on the last segment', () => {
    for (const [ext, type] of [['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['webp', 'image/webp'], ['avif', 'image/avif'], ['gif', 'image/gif'], ['svg', 'image/svg+xml']]) {
      assert.equal(parsed(`/image/300x200.${ext}`).contentType, type);
    }
    const unknown = rejected('/image/300x200.bmp');
    assert.equal(unknown.parameter, 'format');
    assert.match(unknown.detail, /one of png, jpg, webp, avif, gif, svg, jpeg \(got "bmp"\)/);
    assert.equal(rejected('/image/300x200.png/eee/').parameter, 'format');
  });

  test('fonts, unknown, repeated and conflicting parameters, extra segments', () => {
    assert.equal(parsed('/image/300x200/?font=SERIF').font, 'serif');
    assert.match(rejected('/image/300x200/?font=comic').detail, /font must be one of sans, serif, mono \(got "comic"\)/);
    assert.equal(rejected('/image/300x200/?colour=red').parameter, 'colour');
    assert.match(rejected('/image/300x200/?text=a&text=b').detail, /Give text only once/);
    assert.match(rejected('/image/300x200/eee/?bg=fff').detail, /bg is given both in the path and as \?bg=/);
    assert.equal(rejected('/image/300x200/eee/333/444/').parameter, 'path');
    assert.equal(rejected('/elsewhere/300x200/').parameter, 'path');
  });
});
