import { describe, expect, it } from 'vitest';
import { getAt, masPath, providerEntries } from './config-data.js';

describe('config data readers', () => {
  it('read any shape without throwing', () => {
    expect(getAt({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(getAt({ a: 'x' }, ['a', 0, 'b'])).toBeUndefined();
    expect(getAt(null, ['a'])).toBeUndefined();
    expect(providerEntries({ upstream_oauth2: { providers: [1, { id: 'x' }] } })).toEqual([
      { index: 1, path: ['upstream_oauth2', 'providers', 1], provider: { id: 'x' } },
    ]);
    expect(providerEntries({ upstream_oauth2: { providers: {} } })).toEqual([]);
  });

  it('print paths the way MAS does', () => {
    expect(masPath(['upstream_oauth2', 'providers', 0, 'claims_imports'])).toBe(
      'upstream_oauth2.providers.0.claims_imports',
    );
  });
});
