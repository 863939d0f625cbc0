import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Redactor, Secret } from './secret.js';

const CANARY = 'canary-secret-7f3a9c';

describe('Secret', () => {
  it('never renders its value through string, JSON, inspect, template or spread', () => {
    const s = new Secret(CANARY);
    const rendered = [
      String(s),
      `${s}`,
      s.toString(),
      JSON.stringify({ s }),
      inspect(s),
      inspect({ nested: { s } }, { depth: 5, showHidden: true }),
      JSON.stringify({ ...s }),
      Object.keys(s).join(','),
    ];
    for (const text of rendered) expect(text).not.toContain(CANARY);
    expect(String(s)).toBe('<redacted>');
    expect(s.reveal()).toBe(CANARY);
  });

  it('serialises to a fingerprint that tells equal values apart from different ones', () => {
    const a = JSON.parse(JSON.stringify(new Secret(CANARY)));
    const b = JSON.parse(JSON.stringify(new Secret(CANARY)));
    const c = JSON.parse(JSON.stringify(new Secret(CANARY + 'x')));
    expect(a).toEqual({
      $secret: true,
      sha256: expect.stringMatching(/^[0-9a-f]{8}$/),
      length: CANARY.length,
    });
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).not.toBe(c.sha256);
  });

  it('compares without revealing', () => {
    expect(new Secret('abc').equals('abc')).toBe(true);
    expect(new Secret('abc').equals(new Secret('abd'))).toBe(false);
    expect(new Secret('abc').equals('abcd')).toBe(false);
  });
});

describe('Redactor', () => {
  it('removes every registered value, longest first', () => {
    const r = new Redactor().add(new Secret('hunter22')).add('hunter22-longer');
    expect(r.redact('a hunter22-longer b hunter22 c')).toBe('a <redacted> b <redacted> c');
  });
  it('ignores values too short to be secrets', () => {
    expect(new Redactor().add('ab').redact('ab cd')).toBe('ab cd');
  });
});
