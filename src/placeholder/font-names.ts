// The bundled fonts' names and packages (fonts.ts reads the fonts): all an
// image URL's grammar needs, without loading fontkit.

export interface FontInfo {
  family: string;
  /** The CSS generic family it stands in for, shown on the home page. */
  kind: string;
  package: string;
  weight: number;
}

/** `font=` values, in the order characters missing from one are looked for in the others. */
export const FONTS = {
  sans: { family: 'Inter', kind: 'sans-serif', package: '@fontsource/inter', weight: 600 },
  serif: { family: 'Source Serif 4', kind: 'serif', package: '@fontsource/source-serif-4', weight: 600 },
  mono: { family: 'JetBrains Mono', kind: 'monospace', package: '@fontsource/jetbrains-mono', weight: 500 },
} as const satisfies Record<string, FontInfo>;

export type FontName = keyof typeof FONTS;
export const FONT_NAMES = Object.keys(FONTS) as FontName[];
export const DEFAULT_FONT: FontName = 'sans';

