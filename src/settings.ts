// Settings come from the environment (12-factor), validated once at start-up.
// Every variable is declared in VARIABLES below; the README's table mirrors it.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { trustedOriginPattern } from './csrf.ts';

export const SERVICES = ['placeholder', 'pages', 'board'] as const;
export type Service = (typeof SERVICES)[number];

export interface Settings {
  port: number;
  host: string;
  debug: boolean;
  /** True under `npm run dev`: live reload, on-the-fly bundling. */
  dev: boolean;
  /**
   * `npm run dev -- --host`: listening on every interface, served under the
   * machine's LAN addresses (`lanAddresses`), without the demo user.
   */
  lan: boolean;
  secretKey: string;
  allowedHosts: string[];
  /** Origins other than a request's own whose pages may send it state-changing requests with ambient credentials. */
  csrfTrustedOrigins: string[];
  services: Set<Service>;
  /** Trust X-Forwarded-Proto/Host from a reverse proxy in front of us. */
  trustProxy: boolean;
  placeholderCacheMb: number;
  placeholderConcurrency: number;
  /** Resident memory (MB) above which large image renders are refused with 503. */
  imageMemoryMb: number;
  pagesDir: string;
  templatesDir: string;
  staticDir: string;
  /** Where responsive image renditions are kept across restarts and builds. */
  imageCacheDir: string;
  databasePath: string;
  /** PostgreSQL instead of the SQLite file, when set. */
  databaseUrl: string | null;
  /** Redis for events and shared login throttling across processes, when set. */
  redisUrl: string | null;
  /**
   * Where the site is published: SITE_URL's origin and BASE_PATH
   * ("https://example.com/project"), for absolute_url in feeds; null when
   * SITE_URL is unset (absolute URLs are then on this server's own address).
   */
  siteUrl: string | null;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

function parseBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new SettingsError(`${name} must be "on" or "off" (got "${value}").`);
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SettingsError(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
  }
  return n;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function parseOrigins(name: string, value: string): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!trustedOriginPattern(entry)) {
      throw new SettingsError(`${name} takes origins such as https://admin.example.com or https://*.example.com: scheme, host and port only (got "${entry}").`);
    }
  }
  return entries.map((entry) => entry.toLowerCase());
}

function parseUrl(name: string, value: string, schemes: string[]): string {
  let scheme: string;
  try {
    scheme = new URL(value.trim()).protocol.replace(/:$/, '');
  } catch {
    throw new SettingsError(`${name} must be a URL such as ${schemes[0]}://host (got something that is not a URL).`);
  }
  if (!schemes.includes(scheme)) throw new SettingsError(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')} (got ${scheme}://).`);
  return value.trim();
}

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, redis: 6379, rediss: 6379 };

/** `host:port/path` of a configured server URL (DATABASE_URL, REDIS_URL), for messages and logs: never its user or password. */
export function addressOf(url: string): string {
  const { protocol, hostname, port, pathname } = new URL(url); // validated by loadSettings
  return `${hostname || 'localhost'}:${port || DEFAULT_PORTS[protocol.replace(/:$/, '')]}${pathname === '/' ? '' : pathname}`;
}

function parseServices(value: string): Set<Service> {
  const names = parseList(value);
  const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new SettingsError(`SERVICES has unknown part(s): ${unknown.join(', ')}. Choose from ${SERVICES.join(', ')}.`);
  }
  return new Set(names as Service[]);
}

/** Where the project's own folders live: the directory holding app.ts. */
export const ROOT = path.resolve(import.meta.dirname, '..');

export interface Variable {
  name: string;
  default: string;
  description: string;
}

/** The one list of environment variables (the README documents the same). */
export const VARIABLES: Variable[] = [
  { name: 'PORT', default: '8000', description: 'TCP port to listen on.' },
  { name: 'HOST', default: '127.0.0.1', description: 'Interface to bind; `0.0.0.0` to accept outside connections.' },
  { name: 'DEBUG', default: 'on', description: '`on` shows error details and enables the demo user; `off` for production.' },
  { name: 'SECRET_KEY', default: 'random per process (DEBUG on)', description: 'Signs websocket channels and keys caches. Required when DEBUG is off.' },
  { name: 'ALLOWED_HOSTS', default: 'localhost,127.0.0.1', description: 'Comma list of Host names served; others get 400. `.example.com` matches subdomains, `*` anything.' },
  { name: 'CSRF_TRUSTED_ORIGINS', default: 'unset', description: 'Comma list of origins (`https://admin.example.com`, `https://*.example.com`) whose pages may send Basic-authenticated writes and open the board\'s websocket, besides the origin a request came to.' },
  { name: 'SERVICES', default: 'placeholder,pages,board', description: 'Which parts this process serves; the others answer 404 and are never loaded.' },
  { name: 'TRUST_PROXY', default: 'off', description: '`on` behind a reverse proxy: use X-Forwarded-Proto and X-Forwarded-Host for absolute URLs.' },
  { name: 'PLACEHOLDER_CACHE_MB', default: '64', description: 'Bytes of rendered images kept in memory (LRU).' },
  { name: 'PLACEHOLDER_CONCURRENCY', default: 'CPU count', description: 'Images rendered at once in each lane (small images up to 500×500, and larger ones); further requests wait their turn.' },
  { name: 'IMAGE_MEMORY_MB', default: '1024', description: 'While the process holds more memory than this, images over 500×500 that are not cached get 503 with Retry-After; the large renders running hold at most a quarter of it by estimate.' },
  { name: 'PAGES_DIR', default: 'pages', description: 'Folder of prototype page templates.' },
  { name: 'TEMPLATES_DIR', default: 'templates', description: 'Folder of layouts (base.html, page.html, ...).' },
  { name: 'STATIC_DIR', default: 'static', description: 'Folder served at /static/.' },
  { name: 'IMAGE_CACHE_DIR', default: 'node_modules/.cache/lightweight/images', description: 'Renditions made by `image()`, kept across restarts and builds.' },
  { name: 'DATABASE_PATH', default: 'data/board.sqlite3', description: 'SQLite file of the Scrum board (created with its folder).' },
  { name: 'DATABASE_URL', default: 'unset', description: '`postgres://user:password@host:5432/database`: store the board in PostgreSQL instead of the SQLite file (migrated at start-up).' },
  { name: 'REDIS_URL', default: 'unset', description: '`redis://host:6379`: spread live events and login throttling across processes through Redis.' },
  // Read by `npm run build` and `npm run preview` only (src/publish/config.ts).
  { name: 'BUILD_DIR', default: '_build', description: '`npm run build`: where the static site is written (and what `npm run preview` serves).' },
  { name: 'SITE_URL', default: 'unset', description: '`npm run build`: the origin the site will be served from; enables sitemap.xml and robots.txt, and is where `absolute_url` (feeds) points.' },
];

/**
 * SITE_URL's origin with BASE_PATH ("https://example.com/project"), or null.
 * The build checks both with its own errors (src/publish/config.ts); here a
 * value that is no http(s) URL is null, as unset.
 */
function siteUrlOf(siteUrl: string | undefined, basePath: string | undefined): string | null {
  let origin: string;
  try {
    const url = new URL(siteUrl ?? '');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    origin = url.origin;
  } catch {
    return null;
  }
  const base = (basePath ?? '').split('/').filter(Boolean).join('/');
  return base ? `${origin}/${base}` : origin;
}

/** This machine's addresses on its networks (IPv4, as Vite shows them), for `--host`. */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => address.family === 'IPv4' && !address.internal)
    .map((address) => address.address);
}

export function loadSettings(env: Env = process.env, options: { dev?: boolean; lan?: boolean } = {}): Settings {
  const lan = options.lan ?? false;
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const debug = get('DEBUG') === undefined ? true : parseBoolean('DEBUG', get('DEBUG')!);
  const secretKey = get('SECRET_KEY');
  if (!secretKey && !debug) {
    throw new SettingsError('SECRET_KEY is required when DEBUG is off. Set it to a long random string, e.g. `openssl rand -hex 32`.');
  }
  if (secretKey && !debug && secretKey.length < 32) {
    throw new SettingsError('SECRET_KEY must be at least 32 characters when DEBUG is off.');
  }
  const dir = (name: string, fallback: string) => path.resolve(ROOT, get(name) ?? fallback);
  return {
    port: get('PORT') === undefined ? 8000 : parseInteger('PORT', get('PORT')!, 0, 65535),
    host: lan ? '0.0.0.0' : (get('HOST') ?? '127.0.0.1'),
    debug,
    dev: options.dev ?? false,
    lan,
    secretKey: secretKey ?? randomBytes(32).toString('hex'),
    allowedHosts: [...parseList(get('ALLOWED_HOSTS') ?? 'localhost,127.0.0.1'), ...(lan ? lanAddresses() : [])],
    csrfTrustedOrigins: parseOrigins('CSRF_TRUSTED_ORIGINS', get('CSRF_TRUSTED_ORIGINS') ?? ''),
    services: parseServices(get('SERVICES') ?? SERVICES.join(',')),
    trustProxy: get('TRUST_PROXY') === undefined ? false : parseBoolean('TRUST_PROXY', get('TRUST_PROXY')!),
    placeholderCacheMb: get('PLACEHOLDER_CACHE_MB') === undefined ? 64 : parseInteger('PLACEHOLDER_CACHE_MB', get('PLACEHOLDER_CACHE_MB')!, 0, 65536),
    placeholderConcurrency:
      get('PLACEHOLDER_CONCURRENCY') === undefined
        ? Math.max(1, (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 2)
        : parseInteger('PLACEHOLDER_CONCURRENCY', get('PLACEHOLDER_CONCURRENCY')!, 1, 256),
    imageMemoryMb: get('IMAGE_MEMORY_MB') === undefined ? 1024 : parseInteger('IMAGE_MEMORY_MB', get('IMAGE_MEMORY_MB')!, 64, 1_048_576),
    pagesDir: dir('PAGES_DIR', 'pages'),
    templatesDir: dir('TEMPLATES_DIR', 'templates'),
    staticDir: dir('STATIC_DIR', 'static'),
    imageCacheDir: dir('IMAGE_CACHE_DIR', 'node_modules/.cache/lightweight/images'),
    databasePath: dir('DATABASE_PATH', 'data/board.sqlite3'),
    databaseUrl: get('DATABASE_URL') === undefined ? null : parseUrl('DATABASE_URL', get('DATABASE_URL')!, ['postgres', 'postgresql']),
    redisUrl: get('REDIS_URL') === undefined ? null : parseUrl('REDIS_URL', get('REDIS_URL')!, ['redis', 'rediss']),
    siteUrl: siteUrlOf(get('SITE_URL'), get('BASE_PATH')),
  };
}
