import { describe, expect, it } from 'vitest';
import { closestWord, editDistance, normaliseWord } from './did-you-mean.js';

describe('did-you-mean', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('scopr', 'scope')).toBe(1);
    expect(editDistance('cliam', 'claim')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('normalises case, dashes and camelCase before comparing', () => {
    expect(normaliseWord('publicBase')).toBe('public_base');
    expect(closestWord('public-base', ['public_base', 'issuer'])).toBe('public_base');
    expect(closestWord('PUBLIC_BASE', ['public_base'])).toBe('public_base');
  });

  it('suggests only plausible typos', () => {
    expect(closestWord('fetch_user_info', ['fetch_userinfo', 'scope'])).toBe('fetch_userinfo');
    expect(closestWord('kubernetes', ['scope', 'issuer'])).toBeUndefined();
    expect(closestWord('id', ['ab'])).toBeUndefined();
  });
});
