// Field types of the board's resources, as Django REST Framework's serializer
// fields: each knows how to read a request value (with DRF's messages,
// verbatim), how to represent a stored value, and how to describe itself for
// OPTIONS metadata and the OpenAPI schema. Resources (resources.ts) declare
// their fields with these; the generic code only ever iterates over them.
import type { ModelName, Queries, Row, SqlValue } from './store.ts';

/** Why a request value was refused; the message is shown to the client as is. */
export class Invalid extends Error {
  override name = 'Invalid';
}

/** Per-request facts that representations need: absolute URLs and the secret for channel signatures. */
export interface RepresentContext {
  /** e.g. http://localhost:8000/api */
  api: string;
  /** e.g. ws://localhost:8000 */
  ws: string;
  secretKey: string;
}

/** What field and object validators may consult: the transaction's queries, the object being changed, today's date. */
export interface ValidateContext {
  store: Queries;
  /** The stored object for updates; null on create. */
  instance: Row | null;
  /** YYYY-MM-DD, local time, as Django's date.today(). */
  today: string;
}

export type Validator = (value: SqlValue, context: ValidateContext) => string | null | Promise<string | null>;

export interface FieldOptions {
  label: string;
  required?: boolean;
  nullable?: boolean;
  /** Value a create uses when the field is absent. */
  default?: SqlValue;
  helpText?: string;
  readOnly?: boolean;
  validators?: Validator[];
  /** No two objects may hold the same value: the message when one already does (DRF's UniqueValidator). */
  unique?: string;
}

export type OpenApiSchema = Record<string, unknown>;

export abstract class Field {
  /** DRF's metadata `type`. */
  abstract readonly type: string;
  readonly label: string;
  readonly required: boolean;
  readonly nullable: boolean;
  readonly default: SqlValue | undefined;
  readonly helpText: string | undefined;
  readonly validators: Validator[];
  readonly unique: string | undefined;
  /** Logical store column this field reads and writes (its name, set by its resource); null for computed fields. */
  column: string | null = null;
  readonly readOnly: boolean;

  constructor(options: FieldOptions) {
    this.label = options.label;
    this.nullable = options.nullable ?? false;
    this.default = options.default;
    this.required = options.required ?? (!this.nullable && options.default === undefined);
    this.helpText = options.helpText;
    this.readOnly = options.readOnly ?? false;
    this.validators = options.validators ?? [];
    this.unique = options.unique;
  }

  represent(row: Row, _context: RepresentContext): unknown {
    return row[this.column!];
  }

  /** The stored value for a request value (not null: the caller handles null); throws Invalid. Read-only fields are never asked. */
  parse(_value: unknown, _store: Queries): SqlValue | Promise<SqlValue> {
    throw new Error(`${this.label} is read-only`);
  }

  /** The JSON Schema of the represented value (nullability added by the caller). */
  abstract valueSchema(): OpenApiSchema;

  schema(): OpenApiSchema {
    const schema = this.valueSchema();
    if (this.nullable && typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    if (this.readOnly) schema.readOnly = true;
    if (this.helpText) schema.description = this.helpText;
    return { title: this.label, ...schema };
  }

  /** DRF's SimpleMetadata description of the field. */
  metadata(): Record<string, unknown> {
    const info: Record<string, unknown> = { type: this.type, required: this.required && !this.readOnly, read_only: this.readOnly, label: this.label };
    if (this.helpText) info.help_text = this.helpText;
    return info;
  }
}

/** A request's fields were refused: 400 with `{"<field>": ["..."], "non_field_errors": ["..."]}`. */
export class ValidationError extends Error {
  readonly errors: Record<string, string[]>;
  constructor(errors: Record<string, string[]>) {
    super('Invalid input');
    this.errors = errors;
  }
}

/** The request body as an object of fields; DRF's error for anything else. */
export function dictionary(data: unknown): Record<string, unknown> {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as Record<string, unknown>;
  const type = data === null ? 'NoneType' : pythonType(data);
  throw new ValidationError({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
}

/** Python's type names, which DRF's messages use. */
function pythonType(value: unknown): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** A short, printable form of any request value for an error message. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? pythonType(value) : String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

export class IdField extends Field {
  readonly type = 'integer';
  constructor() {
    super({ label: 'ID', required: false, readOnly: true });
  }
  valueSchema(): OpenApiSchema {
    return { type: 'integer' };
  }
}

export class CharField extends Field {
  readonly type = 'string';
  readonly maxLength: number | undefined;
  readonly allowBlank: boolean;
  /** Shown as a textarea in the browsable API. */
  readonly multiline: boolean;

  constructor(options: FieldOptions & { maxLength?: number; allowBlank?: boolean; multiline?: boolean }) {
    super(options);
    this.maxLength = options.maxLength;
    this.allowBlank = options.allowBlank ?? false;
    this.multiline = options.multiline ?? false;
  }

  override parse(value: unknown): SqlValue {
    if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) throw new Invalid('Not a valid string.');
    const text = String(value).trim();
    if (text.includes('\0')) throw new Invalid('Null characters are not allowed.');
    if (/\p{Surrogate}/u.test(text)) throw new Invalid('Surrogate characters are not allowed.');
    if (text === '' && !this.allowBlank) throw new Invalid('This field may not be blank.');
    if (this.maxLength !== undefined && [...text].length > this.maxLength) {
      throw new Invalid(`Ensure this field has no more than ${this.maxLength} characters.`);
    }
    return text;
  }

  valueSchema(): OpenApiSchema {
    return { type: 'string', ...(this.maxLength ? { maxLength: this.maxLength } : {}), ...(this.allowBlank ? {} : { minLength: 1 }) };
  }

  override metadata(): Record<string, unknown> {
    return { ...super.metadata(), ...(this.maxLength ? { max_length: this.maxLength } : {}) };
  }
}

const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** YYYY-MM-DD of a real calendar date, zero-padded; null if there is no such date. */
export function parseDate(text: string): string | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${match[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export class DateField extends Field {
  readonly type = 'date';
  override parse(value: unknown): SqlValue {
    const date = typeof value === 'string' ? parseDate(value.trim()) : null;
    if (!date) throw new Invalid('Date has wrong format. Use one of these formats instead: YYYY-MM-DD.');
    return date;
  }
  valueSchema(): OpenApiSchema {
    return { type: 'string', format: 'date' };
  }
}

/** An integer from a JSON number or a string of digits (forms send strings). */
function parseInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(value);
  return match ? Number(match[1]) : null;
}

export class IntegerField extends Field {
  readonly type = 'integer';
  readonly min: number;
  readonly max: number;

  /** Said instead of DRF's messages for anything out of range or not whole, where those would puzzle a person. */
  readonly #message: string | undefined;

  constructor(options: FieldOptions & { min: number; max: number; message?: string }) {
    super(options);
    this.min = options.min;
    this.max = options.max;
    this.#message = options.message;
  }

  override parse(value: unknown): SqlValue {
    if (typeof value === 'string' && value.length > 1000) throw new Invalid(this.#message ?? 'String value too large.');
    const n = parseInteger(value);
    if (n === null) throw new Invalid(this.#message ?? 'A valid integer is required.');
    if (n > this.max) throw new Invalid(this.#message ?? `Ensure this value is less than or equal to ${this.max}.`);
    if (n < this.min) throw new Invalid(this.#message ?? `Ensure this value is greater than or equal to ${this.min}.`);
    return n;
  }

  valueSchema(): OpenApiSchema {
    return { type: 'integer', minimum: this.min, maximum: this.max };
  }

  override metadata(): Record<string, unknown> {
    return { ...super.metadata(), min_value: this.min, max_value: this.max };
  }
}

type Choice = readonly [number | string, string];

export class ChoiceField extends Field {
  readonly type = 'choice';
  readonly choices: ReadonlyArray<Choice>;
  readonly #byText: Map<string, number | string>;

  constructor(options: FieldOptions & { choices: ReadonlyArray<Choice> }) {
    super(options);
    this.choices = options.choices;
    this.#byText = new Map(options.choices.map(([value]) => [String(value), value]));
  }

  override parse(value: unknown): SqlValue {
    const choice = typeof value === 'string' || typeof value === 'number' ? this.#byText.get(String(value)) : undefined;
    if (choice === undefined) throw new Invalid(`"${shown(value)}" is not a valid choice.`);
    return choice;
  }

  display(value: unknown): string {
    return this.choices.find(([v]) => v === value)?.[1] ?? '';
  }

  valueSchema(): OpenApiSchema {
    const type = typeof this.choices[0]?.[0] === 'string' ? 'string' : 'integer';
    return { type, enum: this.choices.map(([value]) => value), description: this.choices.map(([v, label]) => `${v}: ${label}`).join(', ') };
  }

  override metadata(): Record<string, unknown> {
    return { ...super.metadata(), choices: this.choices.map(([value, display_name]) => ({ value, display_name })) };
  }
}

/**
 * A reference to another model, by primary key (DRF's PrimaryKeyRelatedField)
 * or by a unique slug such as a username (SlugRelatedField). Stored as the id.
 */
export class RelatedField extends Field {
  readonly type = 'field';
  readonly model: ModelName;
  readonly lookup: 'id' | 'username';
  /** Row column holding the represented value (the username for slug lookups), if not the stored id. */
  readonly #representColumn: string | undefined;

  constructor(options: FieldOptions & { model: ModelName; lookup: 'id' | 'username'; representColumn?: string }) {
    super(options);
    this.model = options.model;
    this.lookup = options.lookup;
    this.#representColumn = options.representColumn;
  }

  override represent(row: Row): unknown {
    return row[this.#representColumn ?? this.column!] ?? null;
  }

  override async parse(value: unknown, store: Queries): Promise<SqlValue> {
    if (this.lookup === 'id') {
      const id = typeof value === 'number' || typeof value === 'string' ? parseInteger(value) : null;
      if (id === null) throw new Invalid(`Incorrect type. Expected pk value, received ${pythonType(value)}.`);
      if (!Number.isSafeInteger(id) || !(await store.get(this.model, 'id', id))) throw new Invalid(this.missing(value));
      return id;
    }
    if (typeof value !== 'string' && typeof value !== 'number') throw new Invalid('Invalid value.');
    const row = await store.get(this.model, this.lookup, String(value));
    if (!row) throw new Invalid(this.missing(value));
    return row.id;
  }

  /** DRF's message for a reference to an object that does not exist. */
  missing(value: unknown): string {
    return this.lookup === 'id' ? `Invalid pk "${shown(value)}" - object does not exist.` : `Object with ${this.lookup}=${shown(value)} does not exist.`;
  }

  valueSchema(): OpenApiSchema {
    return this.lookup === 'id' ? { type: 'integer' } : { type: 'string' };
  }
}

/** A stored flag that the API only shows. */
export class BooleanField extends Field {
  readonly type = 'boolean';
  constructor(options: FieldOptions) {
    super({ ...options, required: false, readOnly: true });
  }
  override represent(row: Row): unknown {
    return Boolean(row[this.column!]);
  }
  valueSchema(): OpenApiSchema {
    return { type: 'boolean' };
  }
}

/** A read-only value computed from the row: `status_display`, `links`, ... */
export class ComputedField extends Field {
  readonly type: string;
  readonly #compute: (row: Row, context: RepresentContext) => unknown;
  readonly #schema: OpenApiSchema;

  constructor(options: { label: string; type: string; schema: OpenApiSchema; compute: (row: Row, context: RepresentContext) => unknown }) {
    super({ label: options.label, required: false, readOnly: true });
    this.type = options.type;
    this.#compute = options.compute;
    this.#schema = options.schema;
  }

  override represent(row: Row, context: RepresentContext): unknown {
    return this.#compute(row, context);
  }
  valueSchema(): OpenApiSchema {
    return structuredClone(this.#schema);
  }
}

/** When something happened: an ISO 8601 UTC timestamp the store sets (`created`, `edited`). */
export class TimestampField extends Field {
  readonly type = 'datetime';
  constructor(options: { label: string; nullable?: boolean; helpText?: string }) {
    super({ ...options, required: false, readOnly: true });
  }
  valueSchema(): OpenApiSchema {
    return { type: 'string', format: 'date-time' };
  }
}

/**
 * Any number of other objects by id (DRF's PrimaryKeyRelatedField with
 * many=True): a JSON list of ids, or ids separated by commas (forms). Stored
 * as the canonical text "1,4,7" (sorted, each once), which the store keeps
 * in a table of its own and reads back in that same form.
 */
export class ManyRelatedField extends Field {
  readonly type = 'field';
  readonly model: ModelName;
  readonly #noun: string;

  constructor(options: FieldOptions & { model: ModelName; noun: string }) {
    super(options);
    this.model = options.model;
    this.#noun = options.noun;
  }

  override represent(row: Row): unknown {
    return idList(row[this.column!]);
  }

  override async parse(value: unknown, store: Queries): Promise<SqlValue> {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').filter((part) => part.trim() !== '') : typeof value === 'number' ? [value] : null;
    if (items === null) throw new Invalid(`Expected a list of ${this.#noun} ids, received ${pythonType(value)}.`);
    if (items.length > 100) throw new Invalid(`Give at most 100 ${this.#noun}s.`);
    const ids = new Set<number>();
    for (const item of items) {
      const id = typeof item === 'number' || typeof item === 'string' ? parseInteger(item) : null;
      if (id === null || !Number.isSafeInteger(id)) throw new Invalid(`"${shown(item)}" is not the id of a ${this.#noun}: give whole numbers.`);
      if (!(await store.get(this.model, 'id', id))) throw new Invalid(`There is no ${this.#noun} with id ${id}.`);
      ids.add(id);
    }
    return [...ids].sort((a, b) => a - b).join(',');
  }

  valueSchema(): OpenApiSchema {
    return { type: 'array', items: { type: 'integer' }, uniqueItems: true };
  }
}

/** The ids of a stored id list ("1,4,7"; empty or null for none). */
export const idList = (stored: unknown): number[] => (typeof stored === 'string' && stored !== '' ? stored.split(',').map(Number) : []);

/**
 * A JSON object from fixed keys to whole numbers or null, stored as its
 * canonical JSON text: a sprint's WIP limit per status column.
 */
export class LimitsField extends Field {
  readonly type = 'nested object';
  readonly #keys: ReadonlyArray<readonly [string, string]>;
  readonly #max: number;

  constructor(options: FieldOptions & { keys: ReadonlyArray<readonly [string, string]>; max: number }) {
    super(options);
    this.#keys = options.keys;
    this.#max = options.max;
  }

  override represent(row: Row): unknown {
    const stored = JSON.parse(String(row[this.column!] ?? '{}')) as Record<string, number>;
    return Object.fromEntries(this.#keys.map(([key]) => [key, stored[key] ?? null]));
  }

  override parse(value: unknown): SqlValue {
    const names = this.#keys.map(([key, label]) => `"${key}" (${label})`).join(', ');
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw new Invalid(`Expected an object such as {"2": 3}: keys ${names}, each a whole number from 1 to ${this.#max} or null.`);
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Invalid(`Expected an object such as {"2": 3}: keys ${names}, each a whole number from 1 to ${this.#max} or null.`);
    }
    const limits: Record<string, number> = {};
    for (const [key, limit] of Object.entries(value)) {
      const column = this.#keys.find(([k]) => k === key);
      if (!column) throw new Invalid(`"${shown(key)}" is not a column: use ${names}.`);
      if (limit === null || limit === '') continue;
      const n = typeof limit === 'number' || typeof limit === 'string' ? parseInteger(limit) : null;
      if (n === null || n < 1 || n > this.#max) throw new Invalid(`The limit of ${column[1]} must be a whole number from 1 to ${this.#max}, or null for none.`);
      limits[key] = n;
    }
    return JSON.stringify(Object.fromEntries(this.#keys.filter(([key]) => key in limits).map(([key]) => [key, limits[key]])));
  }

  valueSchema(): OpenApiSchema {
    return {
      type: 'object',
      properties: Object.fromEntries(this.#keys.map(([key, label]) => [key, { type: ['integer', 'null'], minimum: 1, maximum: this.#max, description: label }])),
      additionalProperties: false,
    };
  }
}
