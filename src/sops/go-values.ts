/**
 * Values as sops (a Go program) sees them.
 *
 * The MAC covers every leaf value as Go turns it into bytes, and the `type:` of an encrypted
 * value is the Go type the value had. So the codec must read a scalar the way sops' YAML and
 * JSON decoders (go.yaml.in/yaml/v3, encoding/json with UseNumber) read it, not the way the
 * `yaml` package does: `1_000` and `010` are the integers 1000 and 8 to Go, and a
 * timestamp-looking scalar stays a string. This module holds that model and nothing else.
 */
import { Scalar } from 'yaml';

/** The `type:` tags sops writes into `ENC[...]` values, `comment` aside. */
export type SopsValueType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'time';

/** A leaf value with the Go type sops would give it. `null` leaves are skipped by sops. */
export type GoScalar =
  | { type: 'str'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'bytes'; value: Uint8Array }
  /** RFC 3339 text, normalised as Go's time.MarshalText writes it */
  | { type: 'time'; value: string }
  | { type: 'null' };

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const utf8 = new TextEncoder();

/** Thrown for a scalar sops itself cannot handle; callers add the file and line. */
export class UnsupportedValueError extends Error {}

/** The bytes sops feeds into the MAC and encrypts for a value (sops.ToBytes / aes.Encrypt). */
export function goScalarBytes(scalar: Exclude<GoScalar, { type: 'null' }>): Uint8Array {
  switch (scalar.type) {
    case 'str':
    case 'time':
      return utf8.encode(scalar.value);
    case 'int':
      return utf8.encode(scalar.value.toString());
    case 'float':
      return utf8.encode(formatGoFloat(scalar.value));
    case 'bool':
      // sops inherited title case from its Python ancestor
      return utf8.encode(scalar.value ? 'True' : 'False');
    case 'bytes':
      return scalar.value;
  }
}

/**
 * Go's strconv.FormatFloat(x, 'f', -1, 64): the shortest digits that round-trip, never in
 * exponent form. JavaScript finds the same shortest digits; only the notation differs.
 */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Object.is(x, -0)) return '-0';
  const [mantissa = '0', exponentText = '0'] = x.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  // position of the decimal point counted from the start of `digits`
  const point = Number(exponentText) + 1;
  let text: string;
  if (point <= 0) text = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = digits.slice(0, point) + '.' + digits.slice(point);
  return negative ? '-' + text : text;
}

/**
 * Go's strconv.ParseInt(text, base, 64) (base 0 reads the 0x/0o/0b/0 prefixes); undefined
 * when Go would return an error. `unsigned` gives ParseUint instead.
 */
function parseGoInt(text: string, base: 0 | 2 | 8 | 10, unsigned = false): bigint | undefined {
  let rest = text;
  let negative = false;
  if (!unsigned && (rest.startsWith('+') || rest.startsWith('-'))) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  let radix: number = base;
  if (base === 0) {
    radix = 10;
    const prefix = rest.slice(0, 2).toLowerCase();
    if (prefix === '0x') [radix, rest] = [16, rest.slice(2)];
    else if (prefix === '0o') [radix, rest] = [8, rest.slice(2)];
    else if (prefix === '0b') [radix, rest] = [2, rest.slice(2)];
    else if (rest.length > 1 && rest.startsWith('0')) [radix, rest] = [8, rest.slice(1)];
  }
  const digitPattern = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[radix];
  if (!digitPattern?.test(rest)) return undefined;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[radix] ?? '';
  const magnitude = BigInt(prefix + rest);
  const value = negative ? -magnitude : magnitude;
  if (unsigned) return value <= UINT64_MAX ? value : undefined;
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

/** Go's ParseFloat for the decimal forms yaml.v3 lets through; overflow is an error in Go. */
function parseGoDecimalFloat(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

// yaml.v3 resolve.go: the plain scalars it maps without parsing
const YAML_SPECIAL: Record<string, GoScalar> = {
  ...Object.fromEntries(['true', 'True', 'TRUE'].map((s) => [s, { type: 'bool', value: true }])),
  ...Object.fromEntries(['false', 'False', 'FALSE'].map((s) => [s, { type: 'bool', value: false }])),
  ...Object.fromEntries(['', '~', 'null', 'Null', 'NULL'].map((s) => [s, { type: 'null' }])),
  ...Object.fromEntries(['.nan', '.NaN', '.NAN'].map((s) => [s, { type: 'float', value: NaN }])),
  ...Object.fromEntries(
    ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, { type: 'float', value: Infinity }]),
  ),
  ...Object.fromEntries(['-.inf', '-.Inf', '-.INF'].map((s) => [s, { type: 'float', value: -Infinity }])),
};
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function intScalar(value: bigint): GoScalar {
  return { type: 'int', value };
}

/**
 * How yaml.v3 resolves an untagged plain scalar decoded into interface{} (resolve.go).
 * Timestamps need no case of their own: decoded into interface{} they stay strings.
 */
export function resolveGoYamlPlain(text: string): GoScalar {
  const special = YAML_SPECIAL[text];
  if (special) return special;
  const first = text[0] ?? '';
  if (first === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
      const value = parseGoDecimalFloat(text);
      if (value !== undefined) return { type: 'float', value };
    }
    return { type: 'str', value: text };
  }
  if (!/[-+0-9]/.test(first)) return { type: 'str', value: text };

  const plain = text.replaceAll('_', '');
  const int = parseGoInt(plain, 0);
  if (int !== undefined) return intScalar(int);
  if (parseGoInt(plain, 0, true) !== undefined) {
    // yaml.v3 yields a uint64, a type sops' tree walker rejects
    throw new UnsupportedValueError(`integer ${text} is outside the range sops supports`);
  }
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = parseGoDecimalFloat(plain);
    if (value !== undefined) return { type: 'float', value };
  }
  for (const [prefix, base] of [
    ['0b', 2],
    ['-0b', 2],
    ['0o', 8],
    ['-0o', 8],
  ] as const) {
    if (plain.startsWith(prefix)) {
      const sign = prefix.startsWith('-') ? '-' : '';
      const value = parseGoInt(sign + plain.slice(prefix.length), base);
      if (value !== undefined) return intScalar(value);
      if (!sign && parseGoInt(plain.slice(prefix.length), base, true) !== undefined) {
        throw new UnsupportedValueError(`integer ${text} is outside the range sops supports`);
      }
      break;
    }
  }
  return { type: 'str', value: text };
}

const CORE_TAG = 'tag:yaml.org,2002:';

/** A YAML scalar as sops' YAML store reads it. */
export function resolveGoYamlScalar(node: Scalar): GoScalar {
  const text = node.source;
  if (text === undefined) return goScalarFromJs(node.value);
  const tag = node.tag;
  const plain = node.type === Scalar.PLAIN || node.type === undefined;
  if (tag === undefined) return plain ? resolveGoYamlPlain(text) : { type: 'str', value: text };
  if (tag === CORE_TAG + 'str' || !tag.startsWith(CORE_TAG)) {
    // yaml.v3 leaves unknown tags (`!vault ...`) unresolved: the text is the value
    return { type: 'str', value: text };
  }
  const resolved = resolveGoYamlPlain(text);
  const wanted = tag.slice(CORE_TAG.length);
  if (wanted === 'float' && resolved.type === 'int') return { type: 'float', value: Number(resolved.value) };
  if (wanted === resolved.type || (wanted === 'null' && resolved.type === 'null')) return resolved;
  // `!!binary`, `!!timestamp` and mismatches: keep the text, which is what the file says
  return { type: 'str', value: text };
}

/** A JSON scalar as sops' JSON store reads it (numbers via json.Number, then int or float64). */
export function resolveGoJsonScalar(node: Scalar): GoScalar {
  const text = node.source;
  if (text === undefined) return goScalarFromJs(node.value);
  if (node.type !== Scalar.PLAIN) return { type: 'str', value: text };
  if (text === 'true' || text === 'false') return { type: 'bool', value: text === 'true' };
  if (text === 'null') return { type: 'null' };
  if (/^-?[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return intScalar(value);
  }
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new UnsupportedValueError(`number ${text} is outside the range sops supports`);
  return { type: 'float', value };
}

/** The Go value a JavaScript value stands for, for nodes a caller created or changed. */
export function goScalarFromJs(value: unknown): GoScalar {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'string') return { type: 'str', value };
  if (typeof value === 'boolean') return { type: 'bool', value };
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new UnsupportedValueError(`integer ${value} is outside the range sops supports`);
    }
    return intScalar(value);
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && !Object.is(value, -0)
      ? intScalar(BigInt(value))
      : { type: 'float', value };
  }
  if (value instanceof Uint8Array) return { type: 'bytes', value };
  if (value instanceof Date) return { type: 'time', value: formatGoTime(value) };
  throw new UnsupportedValueError(`a value of type ${typeof value} cannot be stored by sops`);
}

/** The JavaScript value handed to callers for a Go value. */
export function goScalarToJs(scalar: GoScalar): unknown {
  switch (scalar.type) {
    case 'null':
      return null;
    case 'int':
      return scalar.value >= BigInt(Number.MIN_SAFE_INTEGER) &&
        scalar.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(scalar.value)
        : scalar.value;
    case 'time':
      return new Date(scalar.value);
    default:
      return scalar.value;
  }
}

/**
 * Reads the plaintext of an `ENC[...]` value back into its Go type, as aes.Decrypt does
 * (strconv.Atoi, ParseFloat, ParseBool, time.UnmarshalText). Undefined when Go would fail.
 */
export function parseTypedPlaintext(type: SopsValueType, bytes: Uint8Array): GoScalar | undefined {
  if (type === 'bytes') return { type, value: new Uint8Array(bytes) };
  const text = new TextDecoder().decode(bytes);
  switch (type) {
    case 'str':
      return { type, value: text };
    case 'int': {
      const value = parseGoInt(text, 10);
      return value === undefined ? undefined : intScalar(value);
    }
    case 'float': {
      if (/^[+-]?(inf|infinity)$/i.test(text))
        return { type, value: text.startsWith('-') ? -Infinity : Infinity };
      if (/^[+-]?nan$/i.test(text)) return { type, value: NaN };
      if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) return undefined;
      const value = parseGoDecimalFloat(text);
      return value === undefined ? undefined : { type, value };
    }
    case 'bool':
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { type, value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { type, value: false };
      return undefined;
    case 'time': {
      const value = normaliseGoTime(text);
      return value === undefined ? undefined : { type, value };
    }
  }
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Go's time.MarshalText (RFC 3339 with trailing zeros of the fraction dropped, "Z" for UTC). */
export function normaliseGoTime(text: string): string | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, seconds, fraction = '', zone = 'Z'] = match;
  const trimmed = fraction.replace(/0+$/, '');
  return seconds + (trimmed === '.' ? '' : trimmed) + (/^[+-]00:00$/.test(zone) ? 'Z' : zone);
}

/**
 * Go's time.Format(time.RFC3339) of a parsed RFC 3339 text: the fraction is dropped. sops
 * uses this form of `lastmodified` as the MAC's additional data.
 */
export function goRfc3339(text: string): string | undefined {
  const normalised = normaliseGoTime(text);
  return normalised?.replace(/\.\d+/, '');
}

function formatGoTime(date: Date): string {
  return normaliseGoTime(date.toISOString()) ?? date.toISOString();
}

/**
 * True when yaml.v3 would read `text`, written as a plain scalar, back as the same string.
 * Strings like `1_000` or `0b101` are plain strings to the `yaml` package but numbers to Go,
 * so output must quote them or sops would compute a different MAC (and refuse such keys).
 */
export function goReadsPlainAsString(text: string): boolean {
  try {
    const resolved = resolveGoYamlPlain(text);
    return resolved.type === 'str' && resolved.value === text;
  } catch {
    return false;
  }
}
