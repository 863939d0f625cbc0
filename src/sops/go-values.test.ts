import { describe, expect, it } from 'vitest';
import {
  formatGoFloat,
  goRfc3339,
  goReadsPlainAsString,
  goScalarBytes,
  parseTypedPlaintext,
  resolveGoYamlPlain,
  UnsupportedValueError,
} from './go-values.js';

describe('resolveGoYamlPlain (yaml.v3 into interface{})', () => {
  it.each([
    ['42', { type: 'int', value: 42n }],
    ['-7', { type: 'int', value: -7n }],
    ['+5', { type: 'int', value: 5n }],
    ['1_000', { type: 'int', value: 1000n }],
    ['010', { type: 'int', value: 8n }],
    ['0x1F', { type: 'int', value: 31n }],
    ['0o17', { type: 'int', value: 15n }],
    ['0b101', { type: 'int', value: 5n }],
    ['08', { type: 'float', value: 8 }],
    ['1.5', { type: 'float', value: 1.5 }],
    ['1e3', { type: 'float', value: 1000 }],
    ['.5', { type: 'float', value: 0.5 }],
    ['-.inf', { type: 'float', value: -Infinity }],
    ['true', { type: 'bool', value: true }],
    ['FALSE', { type: 'bool', value: false }],
    ['~', { type: 'null' }],
    ['', { type: 'null' }],
    ['yes', { type: 'str', value: 'yes' }],
    ['on', { type: 'str', value: 'on' }],
    ['2024-01-01', { type: 'str', value: '2024-01-01' }],
    ['1e400', { type: 'str', value: '1e400' }],
    ['<<', { type: 'str', value: '<<' }],
    ['9223372036854775807', { type: 'int', value: 9223372036854775807n }],
  ])('%j', (text, expected) => {
    expect(resolveGoYamlPlain(text)).toEqual(expected);
  });

  it('refuses integers Go decodes as uint64, which sops cannot walk', () => {
    expect(() => resolveGoYamlPlain('9223372036854775808')).toThrow(UnsupportedValueError);
  });
});

describe('formatGoFloat (strconv.FormatFloat(x, f, -1, 64))', () => {
  it.each([
    [1.5, '1.5'],
    [2, '2'],
    [100, '100'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [-0.000123, '-0.000123'],
    [123456.789, '123456.789'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%d → %s', (value, text) => {
    expect(formatGoFloat(value)).toBe(text);
  });
});

describe('the bytes sops hashes and encrypts', () => {
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  it('writes booleans in title case and numbers in plain decimal', () => {
    expect(text(goScalarBytes({ type: 'bool', value: true }))).toBe('True');
    expect(text(goScalarBytes({ type: 'bool', value: false }))).toBe('False');
    expect(text(goScalarBytes({ type: 'int', value: -12n }))).toBe('-12');
    expect(text(goScalarBytes({ type: 'float', value: 2.5e-3 }))).toBe('0.0025');
  });
});

describe('parseTypedPlaintext (aes.Decrypt)', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('reads what sops writes and what Go parsers accept', () => {
    expect(parseTypedPlaintext('int', bytes('+5'))).toEqual({ type: 'int', value: 5n });
    expect(parseTypedPlaintext('float', bytes('1.50'))).toEqual({ type: 'float', value: 1.5 });
    expect(parseTypedPlaintext('float', bytes('+Inf'))).toEqual({ type: 'float', value: Infinity });
    expect(parseTypedPlaintext('bool', bytes('True'))).toEqual({ type: 'bool', value: true });
    expect(parseTypedPlaintext('bool', bytes('f'))).toEqual({ type: 'bool', value: false });
    expect(parseTypedPlaintext('time', bytes('2024-01-02T03:04:05.500+00:00'))).toEqual({
      type: 'time',
      value: '2024-01-02T03:04:05.5Z',
    });
  });
  it('refuses what Go would refuse', () => {
    expect(parseTypedPlaintext('int', bytes('1.5'))).toBeUndefined();
    expect(parseTypedPlaintext('bool', bytes('yes'))).toBeUndefined();
    expect(parseTypedPlaintext('float', bytes('abc'))).toBeUndefined();
  });
});

describe('time and quoting helpers', () => {
  it('gives lastmodified as Go formats it for the MAC additional data', () => {
    expect(goRfc3339('2024-11-12T13:33:42Z')).toBe('2024-11-12T13:33:42Z');
    expect(goRfc3339('2024-11-12T13:33:42.123Z')).toBe('2024-11-12T13:33:42Z');
    expect(goRfc3339('2024-11-12T14:33:42+01:00')).toBe('2024-11-12T14:33:42+01:00');
    expect(goRfc3339('2024-11-12T13:33:42+00:00')).toBe('2024-11-12T13:33:42Z');
    expect(goRfc3339('yesterday')).toBeUndefined();
  });
  it('knows which plain strings Go reads as something else', () => {
    expect(goReadsPlainAsString('hello')).toBe(true);
    expect(goReadsPlainAsString('1_000')).toBe(false);
    expect(goReadsPlainAsString('0b1')).toBe(false);
    expect(goReadsPlainAsString('2024-01-01')).toBe(true);
  });
});
