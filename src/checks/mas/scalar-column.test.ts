import { describe, expect, it } from 'vitest';
import { couldBePlain, locationWithin } from './scalar-column.js';

const start = { file: 'f', line: 3, column: 10 };

describe('locationWithin', () => {
  it('adds the offset for a value that was most likely plain', () => {
    expect(locationWithin(start, 'abc\u200bdef', 3, false).column).toBe(13);
  });
  it('skips the opening quote of a value that had to be quoted', () => {
    expect(locationWithin(start, '{{ user.name }', 9, false).column).toBe(20);
  });
  it('keeps the start when unsure or when the view was decrypted', () => {
    expect(locationWithin(start, 'a\nb', 2, false)).toBe(start);
    expect(locationWithin(start, 'say "x"', 4, false)).toBe(start);
    expect(locationWithin(start, 'abc', 1, true)).toBe(start);
    expect(locationWithin(start, 'a: b', 1, false)).toBe(start);
  });
  it('knows what YAML would have to quote', () => {
    expect(couldBePlain('https://x/')).toBe(true);
    expect(couldBePlain('- x')).toBe(false);
    expect(couldBePlain('true')).toBe(false);
    expect(couldBePlain(' x')).toBe(false);
  });
});
