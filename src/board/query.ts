// The query string of a list: filters (django-filter's), ?search=, ?ordering=
// and pagination (DRF's PageNumberPagination). A malformed value is a 400
// naming its parameter, never silently ignored; unknown parameters (such as
// jQuery's cache-busting `_`) are left alone.
import { HttpError } from '../http.ts';
import type { Condition, ListQuery } from './store.ts';
import { parseDate, ValidationError } from './fields.ts';

export const PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
const MAX_SEARCH_WORDS = 10;
/** Characters of ?search= (SQLite refuses LIKE patterns over 50,000 bytes; nobody types a tenth of this). */
const MAX_SEARCH_LENGTH = 500;

export interface Filter {
  /** What the parameter means, for the OpenAPI schema and the browsable API. */
  description: string;
  schema: Record<string, unknown>;
  /** The condition for a non-empty value; throws FilterValueError for a malformed one. */
  condition(value: string): Condition;
}

class FilterValueError extends Error {}

const wholeNumber = (value: string): number => {
  if (!/^\d{1,15}$/.test(value.trim())) throw new FilterValueError('Enter a whole number.');
  return Number(value);
};

const date = (value: string): string => {
  const parsed = parseDate(value.trim());
  if (!parsed) throw new FilterValueError('Enter a valid date.');
  return parsed;
};

/** `?<param>=<id>`: objects whose column holds that id. */
export const idFilter = (column: string, description: string): Filter => ({
  description,
  schema: { type: 'integer', minimum: 0 },
  condition: (value) => ({ column, op: '=', value: wholeNumber(value) }),
});

export const choiceFilter = (column: string, choices: ReadonlyArray<readonly [number, string]>, description: string): Filter => ({
  description,
  schema: { type: 'integer', enum: choices.map(([v]) => v) },
  condition: (value) => {
    const choice = choices.find(([v]) => String(v) === value.trim());
    if (!choice) throw new FilterValueError(`Select a valid choice. ${value.slice(0, 50)} is not one of the available choices.`);
    return { column, op: '=', value: choice[0] };
  },
});

export const textFilter = (column: string, description: string, maxLength = 150): Filter => ({
  description,
  schema: { type: 'string', maxLength },
  condition: (value) => {
    if (value.length > maxLength) throw new FilterValueError(`Ensure this value has at most ${maxLength} characters.`);
    if (value.includes('\0')) throw new FilterValueError('Null characters are not allowed.');
    return { column, op: '=', value };
  },
});

/** `?<param>=<id>`: objects whose list column (a task's labels) holds that id. */
export const memberFilter = (column: string, description: string): Filter => ({
  description,
  schema: { type: 'integer', minimum: 0 },
  condition: (value) => ({ column, op: 'has', value: wholeNumber(value) }),
});

/** `?<param>=True|False`: whether the column is empty (the book's NullFilter). */
export const nullFilter = (column: string, description: string): Filter => ({
  description,
  schema: { type: 'string', enum: ['True', 'False'] },
  condition: (value) => {
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return { column, op: 'is null' };
    if (v === 'false' || v === '0') return { column, op: 'is not null' };
    throw new FilterValueError('Enter True or False.');
  },
});

export const dateFilter = (column: string, op: '>=' | '<=', description: string): Filter => ({
  description,
  schema: { type: 'string', format: 'date' },
  condition: (value) => ({ column, op, value: date(value) }),
});

/** What a list endpoint may be asked for: declared per resource. */
export interface Listing {
  filters: Record<string, Filter>;
  /** Columns that ?search= looks in. */
  search: string[];
  /** Field name → column, for ?ordering=. */
  ordering: Record<string, string>;
  /** Columns the list is sorted by when ?ordering= is absent. */
  defaultOrdering: string[];
}

export interface ListRequest {
  query: Omit<ListQuery, 'limit' | 'offset'>;
  /** 1-based, or 'last'. */
  page: number | 'last';
  pageSize: number;
}

/**
 * Fills `orderBy` from `?ordering=`: each allowed field at most once (so a
 * list never sorts by more terms than it has fields), optionally prefixed
 * with "-". Returns the errors, or undefined.
 */
function orderingTerms(listing: Listing, ordering: string, orderBy: ListQuery['orderBy']): string[] | undefined {
  const allowed = Object.keys(listing.ordering);
  if (!allowed.length) return ['This list cannot be reordered.'];
  const seen = new Set<string>();
  for (const term of ordering.split(',').map((t) => t.trim()).filter(Boolean)) {
    const name = term.replace(/^-/, '');
    const column = Object.hasOwn(listing.ordering, name) ? listing.ordering[name] : undefined;
    if (!column) return [`"${name.slice(0, 50)}" is not a valid ordering. Choose from ${allowed.join(', ')}, each optionally prefixed with "-".`];
    if (seen.has(name)) return [`"${name}" is given more than once. Name each field at most once: ${allowed.join(', ')}, each optionally prefixed with "-".`];
    seen.add(name);
    orderBy.push({ column, descending: term.startsWith('-') });
  }
  return undefined;
}

export function parseListRequest(listing: Listing, params: URLSearchParams): ListRequest {
  const errors: Record<string, string[]> = {};
  // One value each: a second `?ordering=` or `?status=` would otherwise be silently ignored.
  for (const name of new Set([...Object.keys(listing.filters), 'search', 'ordering', 'page', 'page_size'])) {
    if (params.getAll(name).length > 1) errors[name] = [`"${name}" is given more than once. Give each list parameter at most once.`];
  }
  const where: Condition[] = [];
  for (const [name, filter] of Object.entries(listing.filters)) {
    if (errors[name]) continue;
    const value = params.get(name);
    if (value === null || value === '') continue;
    try {
      where.push(filter.condition(value));
    } catch (err) {
      if (!(err instanceof FilterValueError)) throw err;
      errors[name] = [err.message];
    }
  }

  let search: ListQuery['search'] = null;
  // DRF's SearchFilter: words separated by spaces or commas; null characters dropped.
  const text = params.get('search') ?? '';
  const words = text.replaceAll('\0', '').replaceAll(',', ' ').split(/\s+/).filter(Boolean);
  if (text.length > MAX_SEARCH_LENGTH) errors.search = [`Search for at most ${MAX_SEARCH_LENGTH} characters at a time.`];
  else if (words.length > MAX_SEARCH_WORDS) errors.search = [`Search for at most ${MAX_SEARCH_WORDS} words at a time.`];
  else if (words.length && listing.search.length) search = { columns: listing.search, words };

  const orderBy: ListQuery['orderBy'] = [];
  const ordering = params.get('ordering');
  const orderingErrors = ordering ? orderingTerms(listing, ordering, orderBy) : undefined;
  if (orderingErrors) errors.ordering = orderingErrors;
  if (orderBy.length === 0) orderBy.push(...listing.defaultOrdering.map((column) => ({ column, descending: false })));

  let pageSize = PAGE_SIZE;
  const size = params.get('page_size');
  if (size) {
    if (!/^\d{1,6}$/.test(size.trim()) || Number(size) < 1) errors.page_size = ['Enter a whole number from 1 (at most 100 are returned).'];
    else pageSize = Math.min(Number(size), MAX_PAGE_SIZE);
  }

  if (Object.keys(errors).length) throw new ValidationError(errors);

  const pageParam = params.get('page');
  let page: number | 'last' = 1;
  if (pageParam === 'last') page = 'last';
  else if (pageParam) {
    if (!/^\d{1,9}$/.test(pageParam.trim()) || Number(pageParam) < 1) throw new HttpError(404, 'Invalid page.');
    page = Number(pageParam);
  }
  return { query: { where, search, orderBy }, page, pageSize };
}
