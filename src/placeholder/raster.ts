// Anti-aliased coverage of the text's outlines, computed in JavaScript with
// the signed-area accumulation of font-rs (Raph Levien): every outline edge
// adds the area it covers to a buffer, and a running sum along each row
// turns that into exact pixel coverage. It works in strips of rows, so the
// scratch memory stays small whatever the image size, and writes straight
// into the caller's pixel rows (PNG scanlines or a mask).
import type { TextLayout } from './layout.ts';

/** The pixel rectangle the text's ink covers, clipped to the image. */
export interface Band {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function textBand(layout: TextLayout, scale: number, imageWidth: number, imageHeight: number): Band | null {
  const size = layout.fontSize;
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { outline, x, y } of layout.glyphs) {
    if (outline.commands.length === 0) continue;
    left = Math.min(left, (x + outline.xMin * size) * scale);
    right = Math.max(right, (x + outline.xMax * size) * scale);
    top = Math.min(top, (y - outline.yMax * size) * scale);
    bottom = Math.max(bottom, (y - outline.yMin * size) * scale);
  }
  const band = {
    left: Math.max(0, Math.floor(left)),
    top: Math.max(0, Math.floor(top)),
    width: 0,
    height: 0,
  };
  band.width = Math.min(imageWidth, Math.ceil(right)) - band.left;
  band.height = Math.min(imageHeight, Math.ceil(bottom)) - band.top;
  return band.width > 0 && band.height > 0 ? band : null;
}

/** Rows rasterised at a time. */
const STRIP = 32;
/** Curves are cut into straight pieces until they stray at most about a third of a pixel. */
const FLATNESS = 3;

/** Reused between renders: one strip of the widest image is 0.5 MB. */
let scratch = new Float32Array(0);

/**
 * For each row of the strip, the column spans edges touched, packed as
 * first << SPAN_BITS | last. Between spans coverage is constant, so only
 * the spans are summed pixel by pixel and the runs between them filled.
 */
const spans = Array.from({ length: STRIP }, () => new Int32Array(64));
const spanCounts = new Int32Array(STRIP);
const SPAN_BITS = 13; // columns up to 8191; images are at most 4000 pixels wide
const SPAN_MASK = (1 << SPAN_BITS) - 1;

function addSpan(row: number, first: number, last: number): void {
  const count = spanCounts[row]!;
  if (count === spans[row]!.length) {
    const grown = new Int32Array(count * 2);
    grown.set(spans[row]!);
    spans[row] = grown;
  }
  spans[row]![count] = (first << SPAN_BITS) | last;
  spanCounts[row] = count + 1;
}

/** Straight edges (x0, y0, x1, y1 in band pixels), flattened from the outlines. */
function edgesOf(layout: TextLayout, scale: number, band: Band): Float64Array {
  let edges = new Float64Array(4096);
  let count = 0;
  let [px, py, startX, startY] = [0, 0, 0, 0];
  // Clamping x keeps every row's signed areas summing to zero inside the band.
  const line = (x: number, y: number) => {
    x = Math.min(Math.max(x, 0), band.width);
    if (count + 4 > edges.length) {
      const grown = new Float64Array(edges.length * 2);
      grown.set(edges);
      edges = grown;
    }
    edges[count++] = px;
    edges[count++] = py;
    edges[count++] = x;
    edges[count++] = y;
    px = x;
    py = y;
  };
  const pieces = (deviationSquared: number) => 1 + Math.floor(Math.sqrt(Math.sqrt(FLATNESS * deviationSquared)));

  const unit = layout.fontSize * scale;
  for (const { outline, x, y } of layout.glyphs) {
    const c = outline.commands;
    const ox = x * scale - band.left;
    const oy = y * scale - band.top;
    const X = (i: number) => ox + c[i]! * unit;
    const Y = (i: number) => oy - c[i]! * unit;
    for (let i = 0; i < c.length; ) {
      switch (c[i]) {
        case 0: // move: a new contour
          if (px !== startX || py !== startY) line(startX, startY);
          px = startX = Math.min(Math.max(X(i + 1), 0), band.width);
          py = startY = Y(i + 2);
          i += 3;
          break;
        case 1:
          line(X(i + 1), Y(i + 2));
          i += 3;
          break;
        case 2: {
          const [x0, y0, x1, y1, x2, y2] = [px, py, X(i + 1), Y(i + 2), X(i + 3), Y(i + 4)];
          const n = pieces((x0 - 2 * x1 + x2) ** 2 + (y0 - 2 * y1 + y2) ** 2);
          for (let k = 1; k <= n; k++) {
            const t = k / n;
            const u = 1 - t;
            line(u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2);
          }
          i += 5;
          break;
        }
        case 3: {
          const [x0, y0, x1, y1, x2, y2, x3, y3] = [px, py, X(i + 1), Y(i + 2), X(i + 3), Y(i + 4), X(i + 5), Y(i + 6)];
          const n = pieces(Math.max((x0 - 2 * x1 + x2) ** 2 + (y0 - 2 * y1 + y2) ** 2, (x1 - 2 * x2 + x3) ** 2 + (y1 - 2 * y2 + y3) ** 2) * 2);
          for (let k = 1; k <= n; k++) {
            const t = k / n;
            const u = 1 - t;
            line(u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3, u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3);
          }
          i += 7;
          break;
        }
        default: // close
          if (px !== startX || py !== startY) line(startX, startY);
          i += 1;
      }
    }
    if (px !== startX || py !== startY) line(startX, startY);
  }
  return edges.subarray(0, count);
}

/** Accumulated signed area to coverage: 0 to 255. */
function level(sum: number): number {
  const coverage = sum < 0 ? -sum : sum;
  return coverage >= 1 ? 255 : (coverage * 255 + 0.5) | 0;
}

/** Add one edge's signed area to the strip's rows [top, bottom). */
function accumulateEdge(a: Float32Array, stride: number, top: number, bottom: number, x0: number, y0: number, x1: number, y1: number): void {
  if (y0 === y1) return;
  let dir = 1;
  if (y0 > y1) {
    [x0, y0, x1, y1] = [x1, y1, x0, y0];
    dir = -1;
  }
  const dxdy = (x1 - x0) / (y1 - y0);
  const first = Math.max(top, Math.floor(y0));
  const end = Math.min(bottom, Math.ceil(y1));
  let x = x0 + (Math.max(first, y0) - y0) * dxdy;
  for (let y = first; y < end; y++) {
    const row = (y - top) * stride;
    const dy = Math.min(y + 1, y1) - Math.max(y, y0);
    const xNext = x + dxdy * dy;
    const d = dy * dir;
    const xa = x < xNext ? x : xNext;
    const xb = x < xNext ? xNext : x;
    const xaFloor = Math.floor(xa);
    const xbCeil = Math.ceil(xb);
    const i0 = row + xaFloor;
    addSpan(y - top, xaFloor, xbCeil + 1);
    if (xbCeil <= xaFloor + 1) {
      // Within one pixel: split by the edge's mean position.
      const xm = 0.5 * (x + xNext) - xaFloor;
      a[i0]! += d - d * xm;
      a[i0 + 1]! += d * xm;
    } else {
      const s = 1 / (xb - xa);
      const xaFrac = xa - xaFloor;
      const a0 = 0.5 * s * (1 - xaFrac) * (1 - xaFrac);
      const xbFrac = xb - xbCeil + 1;
      const am = 0.5 * s * xbFrac * xbFrac;
      a[i0]! += d * a0;
      if (xbCeil === xaFloor + 2) {
        a[i0 + 1]! += d * (1 - a0 - am);
      } else {
        const a1 = s * (1.5 - xaFrac);
        a[i0 + 1]! += d * (a1 - a0);
        for (let xi = xaFloor + 2; xi < xbCeil - 1; xi++) a[row + xi]! += d * s;
        const a2 = a1 + (xbCeil - xaFloor - 3) * s;
        a[row + xbCeil - 1]! += d * (1 - a2 - am);
      }
      a[row + xbCeil]! += d * am;
    }
    x = xNext;
  }
}

/**
 * Write the text's coverage (0 = none, 255 = full) over the band into
 * `target`, whose band pixel (0, 0) is at `offset` and rows `rowStride`
 * apart; pixels without coverage are left as they are, so `target` starts
 * zeroed. Returns the largest coverage written.
 */
export function rasterize(layout: TextLayout, scale: number, band: Band, target: Uint8Array, offset: number, rowStride: number): number {
  const edges = edgesOf(layout, scale, band);
  const edgeCount = edges.length / 4;
  // Two spare columns take the areas of edges on the band's right border.
  const stride = band.width + 2;
  if (scratch.length < stride * STRIP) scratch = new Float32Array(stride * STRIP);
  const a = scratch;

  // Edges by the strip they start in; each stays active until the strip where it ends.
  const strips = Math.ceil(band.height / STRIP);
  const startsIn: number[][] = Array.from({ length: strips }, () => []);
  const ends = new Float64Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    const y0 = edges[e * 4 + 1]!;
    const y1 = edges[e * 4 + 3]!;
    const top = y0 < y1 ? y0 : y1;
    ends[e] = y0 < y1 ? y1 : y0;
    if (ends[e]! > 0 && top < band.height && y0 !== y1) startsIn[top > 0 ? Math.floor(top / STRIP) : 0]!.push(e);
  }
  const active: number[] = [];
  let max = 0;
  for (let strip = 0; strip < strips; strip++) {
    const stripTop = strip * STRIP;
    const stripBottom = Math.min(stripTop + STRIP, band.height);
    let kept = 0;
    for (const e of active) if (ends[e]! > stripTop) active[kept++] = e;
    active.length = kept;
    for (const e of startsIn[strip]!) active.push(e);
    for (const e of active) {
      accumulateEdge(a, stride, stripTop, stripBottom, edges[e * 4]!, edges[e * 4 + 1]!, edges[e * 4 + 2]!, edges[e * 4 + 3]!);
    }
    for (let y = stripTop; y < stripBottom; y++) {
      const r = y - stripTop;
      const rowSpans = spans[r]!.subarray(0, spanCounts[r]!).sort();
      spanCounts[r] = 0;
      const row = r * stride;
      const out = offset + y * rowStride;
      let sum = 0;
      let x = 0;
      for (let k = 0; k < rowSpans.length; ) {
        const first = rowSpans[k]! >> SPAN_BITS;
        let last = rowSpans[k]! & SPAN_MASK;
        // Merge the spans that overlap or touch this one.
        for (k++; k < rowSpans.length && rowSpans[k]! >> SPAN_BITS <= last + 1; k++) {
          const next = rowSpans[k]! & SPAN_MASK;
          if (next > last) last = next;
        }
        if (first > x) {
          // A run of constant coverage: inside a glyph, or between glyphs.
          const value = level(sum);
          if (value) {
            target.fill(value, out + x, out + Math.min(first, band.width));
            if (value > max) max = value;
          }
        }
        for (x = x > first ? x : first; x <= last; x++) {
          sum += a[row + x]!;
          a[row + x] = 0;
          if (x < band.width) {
            const value = level(sum);
            target[out + x] = value;
            if (value > max) max = value;
          }
        }
      }
    }
  }
  return max;
}
