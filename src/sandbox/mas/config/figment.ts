/**
 * A small re-creation of how MAS extracts its configuration with figment + serde: typed
 * decoding of the YAML value tree, unknown keys ignored, and errors worded as figment prints
 * them (`missing field \`x\` for key "default.a.b" in config.yaml YAML file`).
 */

export class FigmentError extends Error {
  constructor(
    /** the error kind as figment's `Kind` displays it */
    readonly kind: string,
    /** key path inside the config, e.g. ['upstream_oauth2', 'providers', '0', 'id'] */
    readonly path: string[],
    /** whether figment knows the source of the value (adds `in <file> YAML file`) */
    readonly located = true,
  ) {
    super(kind);
    this.name = 'FigmentError';
  }

  /** The sentence MAS prints for this error, e.g. on `mas-cli config check` or at start-up. */
  display(configPath: string): string {
    let out = this.kind;
    if (this.path.length) out += ` for key "default.${this.path.join('.')}"`;
    if (this.located && this.path.length) out += ` in ${configPath} YAML file`;
    return out;
  }

  withPath(extra: string): FigmentError {
    return new FigmentError(this.kind, [...this.path, ...extra.split('.')], this.located);
  }
}

export type Raw = unknown;
export type Dict = Record<string, Raw>;

/** figment's `Actual` display of a value */
export function actual(value: Raw): string {
  if (value === null || value === undefined) return 'unit';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `bool ${value}`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `float \`${value}\``;
    return value < 0 ? `signed int \`${value}\`` : `unsigned int \`${value}\``;
  }
  if (typeof value === 'bigint') return value < 0n ? `signed int \`${value}\`` : `unsigned int \`${value}\``;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

export const invalidType = (value: Raw, expected: string, path: string[]): FigmentError =>
  new FigmentError(`invalid type: found ${actual(value)}, expected ${expected}`, path);

export const missingField = (field: string, path: string[]): FigmentError =>
  new FigmentError(`missing field \`${field}\``, path, path.length > 0);

function oneOf(values: readonly string[]): string {
  if (values.length === 0) return 'none';
  if (values.length === 1) return `\`${values[0]}\``;
  if (values.length === 2) return `\`${values[0]}\` or \`${values[1]}\``;
  return `one of ${values.map((v) => `\`${v}\``).join(', ')}`;
}

export const unknownVariant = (value: string, expected: readonly string[], path: string[]): FigmentError =>
  new FigmentError(`unknown variant: found \`${value}\`, expected \`${oneOf(expected)}\``, path);

export const custom = (message: string, path: string[]): FigmentError => new FigmentError(message, path);

/** Typed access to one map of the config, recording the key path for error messages. */
export class Obj {
  constructor(
    readonly value: Dict,
    readonly path: string[],
  ) {}

  static of(value: Raw, path: string[], expected: string): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw invalidType(value, expected, path);
    return new Obj(value as Dict, path);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  /** present and not null */
  present(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  at(key: string): string[] {
    return [...this.path, key];
  }

  raw(key: string): Raw {
    return this.value[key];
  }

  required<T>(key: string, decode: (v: Raw, path: string[]) => T): T {
    if (this.value[key] === undefined) throw missingField(key, this.path);
    return decode(this.value[key], this.at(key));
  }

  /** `Option<T>`: absent or null is None */
  optional<T>(key: string, decode: (v: Raw, path: string[]) => T): T | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    return decode(v, this.at(key));
  }

  /** `#[serde(default)]`: absent uses the default, null is a type error like serde's */
  withDefault<T>(key: string, decode: (v: Raw, path: string[]) => T, fallback: T): T {
    const v = this.value[key];
    if (v === undefined) return fallback;
    return decode(v, this.at(key));
  }

  obj(key: string, expected: string): Obj | undefined {
    const v = this.value[key];
    if (v === undefined) return undefined;
    return Obj.of(v, this.at(key), expected);
  }
}

export const str = (v: Raw, path: string[]): string => {
  if (typeof v !== 'string') throw invalidType(v, 'a string', path);
  return v;
};

export const bool = (v: Raw, path: string[]): boolean => {
  if (typeof v !== 'boolean') throw invalidType(v, 'a boolean', path);
  return v;
};

export const uint =
  (expected: string, max = Number.MAX_SAFE_INTEGER) =>
  (v: Raw, path: string[]): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(v, expected, path);
    if (v < 0 || v > max) throw new FigmentError(`invalid value ${actual(v)}, expected ${expected}`, path);
    return v;
  };

export const seq =
  <T>(item: (v: Raw, path: string[]) => T) =>
  (v: Raw, path: string[]): T[] => {
    if (!Array.isArray(v)) throw invalidType(v, 'a sequence', path);
    return v.map((x, i) => item(x, [...path, String(i)]));
  };

export const enumOf =
  <T extends string>(variants: readonly T[]) =>
  (v: Raw, path: string[]): T => {
    if (typeof v !== 'string') throw invalidType(v, 'a string', path);
    if (!variants.includes(v as T)) throw unknownVariant(v, variants, path);
    return v as T;
  };

/** `url::Url` deserialisation: an absolute URL, normalised as the url crate serialises it */
export const url = (v: Raw, path: string[]): string => {
  if (typeof v !== 'string') throw invalidType(v, 'a string representing an URL', path);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new FigmentError(`invalid value ${actual(v)}, expected ${urlParseError(v)}`, path);
  }
  return parsed.href;
};

/** the url crate's `ParseError` wording, approximated from the input */
function urlParseError(v: string): string {
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(v);
  if (!scheme) return 'relative URL without a base';
  const rest = v.slice(scheme[0].length);
  if (/^\/\/(?:[^@/?#]*@)?(?:[/?#]|$)/.test(rest)) return 'empty host';
  if (/^\/\/[^/?#]*:[^/?#]*[^0-9/?#]/.test(rest)) return 'invalid port number';
  return 'invalid domain character';
}

export const anyValue = (v: Raw): Raw => v;
