import { describe, expect, it } from 'vitest';
import { compileTemplate, MAS_TEMPLATE_FILTERS } from './template-engine.js';

describe('compileTemplate (the real MiniJinja)', () => {
  it('accepts valid templates and MAS’s own filters', () => {
    expect(compileTemplate('t', '{{ user.preferred_username | lower }}')).toBeUndefined();
    expect(compileTemplate('t', '{{ user.x | tlvdecode | b64encode }}')).toBeUndefined();
  });

  it('returns MiniJinja’s message and the offset it points at', () => {
    expect(compileTemplate('t', '{{ user.name ')).toEqual({
      message: expect.stringMatching(/^syntax error: unexpected end of input/),
      offset: 8,
    });
    expect(compileTemplate('t', 'ok\n{% if x %}')?.offset).toBeGreaterThan(3);
  });

  it('survives any input and stays usable afterwards', () => {
    for (const t of ['{{', '}}{%', '{% for %}', '\u0000{{ \ud800 }}', '{{ a | b( }}', '{'.repeat(5000)])
      compileTemplate('t', t);
    expect(compileTemplate('t', '{{ user.sub }}')).toBeUndefined();
  });

  it('knows MAS’s filter set', () => {
    expect(MAS_TEMPLATE_FILTERS.has('split')).toBe(true);
    expect(MAS_TEMPLATE_FILTERS.has('from_json')).toBe(true);
    expect(MAS_TEMPLATE_FILTERS.has('localpart_from_email')).toBe(false);
  });
});
