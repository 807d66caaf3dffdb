// The colours a label may have: each a background and the text drawn on it,
// chosen so that the text meets WCAG AA (4.5:1) on the chip and the chip's
// name says the colour in words. The API stores the name; the board client
// draws the chip from this same table (it is bundled with it).

export interface LabelColour {
  /** What the API stores and answers with: "blue". */
  name: string;
  /** Said to people: "Blue". */
  label: string;
  background: string;
  text: string;
}

export const LABEL_COLOURS: readonly LabelColour[] = [
  { name: 'grey', label: 'Grey', background: '#e2e3e5', text: '#2b2f32' },
  { name: 'red', label: 'Red', background: '#f8d7da', text: '#58151c' },
  { name: 'orange', label: 'Orange', background: '#ffe5d0', text: '#6b3100' },
  { name: 'yellow', label: 'Yellow', background: '#fff3cd', text: '#5c4402' },
  { name: 'green', label: 'Green', background: '#d1e7dd', text: '#0a3622' },
  { name: 'teal', label: 'Teal', background: '#d2f4ea', text: '#0b3d30' },
  { name: 'blue', label: 'Blue', background: '#cfe2ff', text: '#052c65' },
  { name: 'purple', label: 'Purple', background: '#e2d9f3', text: '#3d1a78' },
  { name: 'pink', label: 'Pink', background: '#f7d6e6', text: '#6b1a42' },
];

/** WCAG 2.1 relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
