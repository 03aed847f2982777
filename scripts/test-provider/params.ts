// Request parameters: parsing Stripe-style form bodies (`a[b][0][c]=v`) and reading typed fields
// out of them (or out of Razorpay's JSON) with errors that name the offending parameter. Each API
// turns a ParamError into its own error format, so the wording of its messages lives there.

/** A parsed parameter tree. Objects have no prototype, so `__proto__` is just another key. */
export type ParamTree = { [key: string]: ParamValue };
export type ParamValue = string | number | boolean | null | ParamTree | ParamValue[];

export type ParamProblem = 'missing' | 'invalid' | 'unknown';

export class ParamError extends Error {
  readonly problem: ParamProblem;
  /** The parameter as the client wrote it, e.g. `line_items[0][quantity]` or `item.amount`. */
  readonly path: string;
  /** The kind of value that was wanted, when that is what was wrong. */
  readonly expected: 'integer' | undefined;
  constructor(problem: ParamProblem, path: string, message: string, expected?: 'integer') {
    super(message);
    this.problem = problem;
    this.path = path;
    this.expected = expected;
  }
}

const MAX_DEPTH = 8;

function emptyTree(): ParamTree {
  return Object.create(null) as ParamTree;
}

/** Splits `a[b][0][]` into ['a', 'b', '0', '']; throws for anything else. */
function keySegments(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match?.[1]) throw new ParamError('invalid', key, `Invalid parameter name "${key}": use name or name[key][0] form.`);
  const segments = [match[1]];
  for (const [, inner] of (match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)) segments.push(inner ?? '');
  if (segments.length > MAX_DEPTH) throw new ParamError('invalid', key, `Parameter "${key}" is nested deeper than ${MAX_DEPTH} levels.`);
  return segments;
}

/**
 * Parses an application/x-www-form-urlencoded body the way Stripe reads it: brackets make nested
 * hashes, `[]` appends to a list. Numbered keys stay keys here; `Params.list` reads them in order.
 */
export function parseFormParams(body: string): ParamTree {
  const root = emptyTree();
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = keySegments(key);
    let node: ParamTree = root;
    for (const [index, segment] of segments.entries()) {
      const last = index === segments.length - 1;
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      const existing = node[name];
      if (last) {
        if (existing !== undefined && typeof existing === 'object') {
          throw new ParamError('invalid', key, `Parameter "${key}" is given both as a value and as a hash.`);
        }
        node[name] = value;
      } else {
        if (typeof existing === 'string') {
          throw new ParamError('invalid', key, `Parameter "${key}" is given both as a value and as a hash.`);
        }
        const child = existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : emptyTree();
        node[name] = child;
        node = child;
      }
    }
  }
  return root;
}

/** How a provider writes a nested parameter's name: Stripe `a[b]`, Razorpay `a.b`. */
export type PathStyle = 'brackets' | 'dots';

function isTree(value: unknown): value is ParamTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed, checked access to one level of parameters. Every read marks the key as known, and
 * `rejectUnknown()` then refuses whatever the client sent that the endpoint does not take:
 * a silently ignored parameter would make the test provider behave unlike the real one.
 */
export class Params {
  readonly #values: ParamTree;
  readonly #prefix: string;
  readonly #style: PathStyle;
  readonly #read = new Set<string>();
  readonly #children: Params[] = [];

  constructor(values: unknown, style: PathStyle, prefix = '') {
    if (values !== undefined && !isTree(values)) throw new ParamError('invalid', prefix || '(body)', `${prefix || 'The request body'} must be an object.`);
    this.#values = values ?? emptyTree();
    this.#style = style;
    this.#prefix = prefix;
  }

  /** The parameter's name as the client wrote it. */
  path(key: string): string {
    if (!this.#prefix) return key;
    return this.#style === 'brackets' ? `${this.#prefix}[${key}]` : `${this.#prefix}.${key}`;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#values, key) && this.#values[key] !== undefined;
  }

  #take(key: string): ParamValue | undefined {
    this.#read.add(key);
    return Object.hasOwn(this.#values, key) ? this.#values[key] : undefined;
  }

  #missing(key: string): never {
    throw new ParamError('missing', this.path(key), `Missing required parameter ${this.path(key)}.`);
  }

  string(key: string, options: { required: true; max?: number }): string;
  string(key: string, options?: { required?: false; max?: number }): string | undefined;
  string(key: string, { required = false, max = 5000 }: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.#take(key);
    if (value === undefined || value === null) return required ? this.#missing(key) : undefined;
    if (typeof value !== 'string') throw new ParamError('invalid', this.path(key), `${this.path(key)} must be a string.`);
    if (required && value === '') this.#missing(key);
    if (value.length > max) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be at most ${max} characters long.`);
    return value;
  }

  integer(key: string, options: { required: true; min?: number; max?: number }): number;
  integer(key: string, options?: { required?: false; min?: number; max?: number }): number | undefined;
  integer(key: string, { required = false, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.#take(key);
    if (value === undefined || value === null || value === '') return required ? this.#missing(key) : undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number)) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be an integer, not ${JSON.stringify(value)}.`, 'integer');
    if (number < min) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be at least ${min}.`);
    if (number > max) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be at most ${max}.`);
    return number;
  }

  /** true/false, also as the strings Stripe's form bodies carry and the 0/1 Razorpay accepts. */
  boolean(key: string): boolean | undefined {
    const value = this.#take(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (value === true || value === 'true' || value === 1 || value === '1') return true;
    if (value === false || value === 'false' || value === 0 || value === '0') return false;
    throw new ParamError('invalid', this.path(key), `${this.path(key)} must be true or false, not ${JSON.stringify(value)}.`);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], options: { required: true }): T;
  oneOf<T extends string>(key: string, allowed: readonly T[], options?: { required?: false }): T | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[], { required = false }: { required?: boolean } = {}): T | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return required ? this.#missing(key) : undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ParamError('invalid', this.path(key), `${this.path(key)} must be one of ${allowed.join(', ')}; got "${value}".`);
    }
    return value as T;
  }

  /** A nested hash, itself checked for unknown keys by the parent's rejectUnknown(). */
  object(key: string): Params | undefined {
    const value = this.#take(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (!isTree(value)) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be a hash of parameters.`);
    const child = new Params(value, this.#style, this.path(key));
    this.#children.push(child);
    return child;
  }

  /** A list of hashes, given as a JSON array or as `key[0][…]`, `key[1][…]` form fields. */
  list(key: string): Params[] {
    return this.#listValues(key).map((value, index) => {
      const path = this.#style === 'brackets' ? `${this.path(key)}[${index}]` : `${this.path(key)}.${index}`;
      if (!isTree(value)) throw new ParamError('invalid', path, `${path} must be a hash of parameters.`);
      const child = new Params(value, this.#style, path);
      this.#children.push(child);
      return child;
    });
  }

  /** A list of strings, e.g. `expand[]=a&expand[]=b`. */
  strings(key: string): string[] {
    return this.#listValues(key).map((value, index) => {
      if (typeof value !== 'string') throw new ParamError('invalid', `${this.path(key)}[${index}]`, `${this.path(key)} must be a list of strings.`);
      return value;
    });
  }

  #listValues(key: string): ParamValue[] {
    const value = this.#take(key);
    if (value === undefined || value === null || value === '') return [];
    if (Array.isArray(value)) return value;
    if (!isTree(value)) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be a list.`);
    const indices = Object.keys(value);
    if (!indices.every((index) => /^\d+$/.test(index))) {
      throw new ParamError('invalid', this.path(key), `${this.path(key)} must be a list: index it as ${this.path(key)}[0], ${this.path(key)}[1], ….`);
    }
    return indices
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => value[String(index)] as ParamValue);
  }

  /**
   * A flat string-to-string hash such as Stripe `metadata` or Razorpay `notes`. Empty values
   * are kept, and an empty string for the whole hash gives null: on updates Stripe reads them
   * as "unset this key" and "unset every key".
   */
  record(key: string, { maxKeys, maxKeyLength, maxValueLength }: { maxKeys: number; maxKeyLength: number; maxValueLength: number }): Record<string, string> | null | undefined {
    const value = this.#take(key);
    if (value === undefined || value === null) return undefined;
    if (value === '') return null;
    if (!isTree(value)) throw new ParamError('invalid', this.path(key), `${this.path(key)} must be a hash of strings.`);
    const entries = Object.entries(value);
    if (entries.length > maxKeys) throw new ParamError('invalid', this.path(key), `${this.path(key)} can have at most ${maxKeys} keys; got ${entries.length}.`);
    const record: Record<string, string> = {};
    for (const [name, entry] of entries) {
      const path = this.#style === 'brackets' ? `${this.path(key)}[${name}]` : `${this.path(key)}.${name}`;
      if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') throw new ParamError('invalid', path, `${path} must be a string.`);
      if (name.length > maxKeyLength) throw new ParamError('invalid', path, `Keys of ${this.path(key)} must be at most ${maxKeyLength} characters long.`);
      if (String(entry).length > maxValueLength) throw new ParamError('invalid', path, `${path} must be at most ${maxValueLength} characters long.`);
      record[name] = String(entry);
    }
    return record;
  }

  /** Refuses any key (here or in nested hashes read from here) that no reader asked for. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.#values)) {
      if (!this.#read.has(key) && this.#values[key] !== undefined) {
        throw new ParamError('unknown', this.path(key), `Received unknown parameter: ${this.path(key)}`);
      }
    }
    for (const child of this.#children) child.rejectUnknown();
  }
}
