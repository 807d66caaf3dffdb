// `npm run dev -- --host` prints a QR code of the first LAN address, so a
// phone on the same network opens the prototype by pointing its camera.
//
// uqr (the generator Nuxt's dev server prints its QR code with) has no
// dependencies and ships its own types; its compact rendering puts two
// modules in each character (half blocks), so a URL's code is about fifteen
// lines tall. Blocks are the light modules: on a dark terminal the code reads
// as printed, and on a light one phones read the inverted code as well.
import { renderUnicodeCompact } from 'uqr';

/** Light modules around the code: the spec asks for four, phones read two, and each costs a line. */
const QUIET_ZONE = 2;

/** The QR code of `url` as terminal lines, indented like the Network: lines. */
export function terminalQrCode(url: string, indent = '  '): string[] {
  return renderUnicodeCompact(url, { border: QUIET_ZONE }).split('\n').map((line) => indent + line);
}
