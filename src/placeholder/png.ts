// A PNG writer for what placeholders are: one background, one text colour
// and the anti-aliased shades between them. The image is a palette whose
// index is the text's coverage (0 = background, 255 = text), so the
// rasteriser's output is the pixel data itself.
//
// Only the rows holding text are compressed by zlib. The rows above and
// below are all zero bytes, and are written directly as deflate blocks of
// "repeat the previous byte 258 times", so a 2000×2000 image compresses
// 0.4 MB rather than 4 MB.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * Rows of text are runs of one value between glyph edges: run-length
 * matching compresses them smaller, and two to three times faster, than
 * zlib's general fastest level.
 */
const TEXT_DEFLATE: zlib.ZlibOptions = { level: 1, strategy: zlib.constants.Z_RLE, finishFlush: zlib.constants.Z_SYNC_FLUSH };
/**
 * Above this many bytes of text rows, compress in the thread pool so the
 * event loop keeps serving; below it, the pool's stream machinery costs
 * more than compressing right away.
 */
const COMPRESS_IN_POOL = 256 * 1024;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const ADLER_MOD = 65521;

/** Adler-32 (zlib's checksum) state, fed with bytes or with runs of zeros. */
class Adler32 {
  private a = 1;
  private b = 0;

  bytes(data: Uint8Array): void {
    let { a, b } = this;
    // 5552 bytes is the most that can be summed before the 32-bit sums could overflow.
    for (let i = 0; i < data.length; ) {
      for (const end = Math.min(i + 5552, data.length); i < end; i++) {
        a += data[i]!;
        b += a;
      }
      a %= ADLER_MOD;
      b %= ADLER_MOD;
    }
    [this.a, this.b] = [a, b];
  }

  zeros(count: number): void {
    this.b = (this.b + (count % ADLER_MOD) * this.a) % ADLER_MOD;
  }

  get value(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }
}

/** Deflate's bit order: fields packed least significant bit first. */
class BitWriter {
  private readonly bytes: number[] = [];
  private bits = 0;
  private count = 0;

  field(value: number, length: number): void {
    this.bits |= value << this.count;
    this.count += length;
    while (this.count >= 8) {
      this.bytes.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  /** Pad to a byte boundary. */
  toBuffer(): Buffer {
    if (this.count) this.field(0, 8 - this.count);
    return Buffer.from(this.bytes);
  }
}

/**
 * A fixed-Huffman deflate block of `count` zero bytes: one literal zero,
 * then copies of length 258 at distance 1, then literal zeros for the rest.
 * Non-final blocks end with an empty stored block, so the next part starts
 * on a byte boundary like zlib's output.
 */
function zeroBlock(count: number, final: boolean): Buffer {
  const out = new BitWriter();
  out.field(final ? 1 : 0, 1);
  out.field(1, 2); // fixed Huffman codes
  // Huffman codes go most significant bit first, so these are the codes bit-reversed.
  const LITERAL_ZERO = 0b00001100; // code 00110000
  const LENGTH_258 = 0b10100011; // symbol 285, code 11000101
  let left = count;
  if (left > 0) {
    out.field(LITERAL_ZERO, 8);
    left--;
  }
  for (; left >= 258; left -= 258) {
    out.field(LENGTH_258, 8);
    out.field(0, 5); // distance 1: distance code 0
  }
  for (; left > 0; left--) out.field(LITERAL_ZERO, 8);
  out.field(0, 7); // end of block: symbol 256, code 0000000
  if (!final) {
    out.field(0, 3); // stored block, not final
    const aligned = out.toBuffer();
    return Buffer.concat([aligned, Buffer.from([0x00, 0x00, 0xff, 0xff])]);
  }
  return out.toBuffer();
}

/** Scanlines for `count` rows: each a filter byte (0, none) then one palette index per pixel, all background. */
export function paletteRows(width: number, count: number): { rows: Buffer; rowStride: number; firstPixel: number } {
  return { rows: Buffer.alloc((width + 1) * count), rowStride: width + 1, firstPixel: 1 };
}

/**
 * Encode a palette image that is background (index 0) everywhere except
 * the scanlines `text.rows` from paletteRows(), which start at row
 * `text.top`. The palette is RGBA, 4 bytes per colour, of which the first
 * `colours` are used.
 */
export async function encodePalettePng(width: number, height: number, palette: Uint8Array, colours: number, text?: { top: number; rows: Buffer }): Promise<Buffer> {
  const rowBytes = width + 1;
  const above = text ? text.top * rowBytes : height * rowBytes;
  const below = text ? height * rowBytes - above - text.rows.length : 0;
  const checksum = new Adler32();
  const parts: Buffer[] = [Buffer.from([0x78, 0x01])]; // zlib header: deflate, fastest
  if (above) {
    parts.push(zeroBlock(above, !text && !below));
    checksum.zeros(above);
  }
  if (text) {
    parts.push(text.rows.length > COMPRESS_IN_POOL ? await deflateRaw(text.rows, TEXT_DEFLATE) : zlib.deflateRawSync(text.rows, TEXT_DEFLATE));
    checksum.bytes(text.rows);
  }
  if (text || below) {
    parts.push(zeroBlock(below, true));
    checksum.zeros(below);
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(checksum.value);
  parts.push(trailer);

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per index
  header[9] = 3; // colour type: palette
  const rgb = new Uint8Array(colours * 3);
  const alpha = new Uint8Array(colours);
  let opaqueFrom = 0;
  for (let i = 0; i < colours; i++) {
    rgb.set(palette.subarray(i * 4, i * 4 + 3), i * 3);
    alpha[i] = palette[i * 4 + 3]!;
    if (alpha[i] !== 255) opaqueFrom = i + 1;
  }
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('PLTE', rgb),
    // Transparency of the colours up to the last translucent one; the rest are opaque.
    ...(opaqueFrom ? [chunk('tRNS', alpha.subarray(0, opaqueFrom))] : []),
    chunk('IDAT', Buffer.concat(parts)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
