// Cross-site request forgery: which origin a request came to, and whether a
// browser sent it on behalf of a page of that same origin. Browsers replay
// ambient credentials (HTTP Basic) for any page's forms, so a state-changing
// request that carries them must come from our own origin (scheme, host and
// port, as Django compares them) or one listed in CSRF_TRUSTED_ORIGINS.
// The websocket handshake follows the same rule.
type Header = (name: string) => string | undefined;

/** `scheme://host[:port]` of a URL (the default port dropped), or null for junk and "null". */
export function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * A CSRF_TRUSTED_ORIGINS entry: an origin (`https://admin.example.com`), or
 * `https://*.example.com` for that scheme on every subdomain; null if it is
 * neither.
 */
export function trustedOriginPattern(entry: string): ((origin: string) => boolean) | null {
  const value = entry.trim().toLowerCase();
  const wildcard = /^(https?):\/\/\*\.([a-z0-9.-]+(?::\d{1,5})?)$/.exec(value);
  if (wildcard) {
    const scheme = wildcard[1]!.toLowerCase();
    const base = originOf(`${scheme}://${wildcard[2]}`);
    if (!base) return null;
    const suffix = base.slice(scheme.length + 3);
    return (origin) => origin.startsWith(`${scheme}://`) && origin.slice(scheme.length + 3).endsWith(`.${suffix}`);
  }
  const origin = originOf(value);
  if (!origin || origin !== new URL(value).href.replace(/\/$/, '')) return null;
  return (candidate) => candidate === origin;
}

/** The origins a browser may send forms from: the request's own, then each trusted one. */
export function originCheck(trusted: readonly string[]): (origin: string) => boolean {
  const patterns = trusted.map((entry) => trustedOriginPattern(entry)!).filter(Boolean);
  return (origin) => patterns.some((matches) => matches(origin));
}

const quoted = (value: string): string => JSON.stringify(value.slice(0, 100));

/**
 * Why a state-changing request (or websocket handshake) looks forged, or
 * null if it does not. `own` is the origin it came to. The Origin header
 * decides, or failing it the Referer; a browser's own `Sec-Fetch-Site`
 * verdict of `same-site` or `cross-site` is refused unless the origin is a
 * trusted one. A request with none of these is not a browser's form.
 */
export function forgeryReason(own: string, header: Header, trusted: (origin: string) => boolean): string | null {
  const site = header('sec-fetch-site')?.toLowerCase();
  const claimed = header('origin') ?? header('referer');
  if (claimed === undefined) return site === 'cross-site' || site === 'same-site' ? `the browser marked it ${site}` : null;
  const origin = originOf(claimed);
  if (origin && trusted(origin)) return null;
  if (site === 'cross-site' || site === 'same-site') return `the browser marked it ${site}`;
  const which = header('origin') === undefined ? 'Referer' : 'Origin';
  if (origin === null) return `${which} ${quoted(claimed)} is not an origin`;
  if (origin !== own) return `${which} ${quoted(origin)} does not match ${quoted(own)}; add it to CSRF_TRUSTED_ORIGINS to accept it`;
  return null;
}
