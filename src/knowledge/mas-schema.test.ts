import { describe, expect, it } from 'vitest';
import { MAS_KNOWN_MISTAKES, MAS_REMOVED_KEYS, MAS_REMOVED_VALUES } from './mas-config-history.js';
import { MAS_SCHEMA_DEFINITIONS } from './mas-config-schema.js';
import { childType, keysFor, masKeyPlaces, masTypeAt, masTypeName, resolveMasType } from './mas-schema.js';

describe('MAS schema accessors', () => {
  it('finds the type at a path through lists, refs and nullable wrappers', () => {
    const data = { upstream_oauth2: { providers: [{ claims_imports: { localpart: {} } }] } };
    expect(
      resolveMasType(
        masTypeAt(data, ['upstream_oauth2', 'providers', 0, 'claims_imports', 'localpart', 'action'])!,
      ),
    ).toEqual({
      t: 'enum',
      values: ['ignore', 'suggest', 'force', 'require'],
    });
    expect(masTypeAt(data, ['upstream_oauth2', 'nope'])).toBeUndefined();
    expect(resolveMasType(masTypeAt({}, ['policy', 'data', 'anything', 'deeper'])!).t).toBe('any');
  });

  it('picks the listener resource case from its name, and allows all cases when the name is unknown', () => {
    const resource = { t: 'ref', name: 'Resource' } as const;
    expect(Object.keys(keysFor(resource, { name: 'assets' })!)).toEqual(['name', 'path']);
    expect(Object.keys(keysFor(resource, { name: 'spa' })!).sort()).toEqual([
      'name',
      'path',
      'playground',
      'undocumented_oauth2_access',
    ]);
  });

  it('allows the keys of every variant of an untagged union (listener binds)', () => {
    expect(Object.keys(keysFor({ t: 'ref', name: 'BindConfig' }, { host: 'x' })!).sort()).toEqual([
      'address',
      'fd',
      'host',
      'kind',
      'mode',
      'port',
      'socket',
    ]);
  });

  it('treats free maps as maps', () => {
    const provider = { t: 'ref', name: 'Provider' } as const;
    expect(
      childType(childType(provider, {}, 'additional_authorization_parameters')!, {}, 'anything'),
    ).toEqual({ t: 'string' });
  });

  it('names types the way MAS errors do', () => {
    expect(masTypeName({ t: 'ref', name: 'Provider' })).toBe('struct Provider');
    expect(masTypeName({ t: 'string' })).toBe('a string');
    expect(masTypeName({ t: 'integer', format: 'uint16' })).toBe('u16');
  });

  it('knows where every key belongs', () => {
    expect(masKeyPlaces().get('claims_imports')).toEqual(['upstream_oauth2.providers[]']);
    expect(masKeyPlaces().get('client_secret')).toEqual(
      expect.arrayContaining(['clients[]', 'upstream_oauth2.providers[]']),
    );
  });
});

describe('MAS config history', () => {
  it('lists as removed only keys the current schema no longer has, where they used to be', () => {
    for (const removed of MAS_REMOVED_KEYS) {
      expect(masKeyPlaces().get(removed.key) ?? []).not.toContain(removed.place);
    }
  });

  it('lists as removed only enum values the current schema rejects', () => {
    for (const removed of MAS_REMOVED_VALUES) {
      const type = MAS_SCHEMA_DEFINITIONS[removed.definition];
      const values =
        type?.t === 'enum'
          ? type.values
          : type?.t === 'object' && type.variants
            ? Object.keys(type.variants.cases)
            : [];
      expect(values.length, removed.definition).toBeGreaterThan(0);
      expect(values).not.toContain(removed.value);
    }
  });

  it('names known mistakes that are really unknown where they are written', () => {
    for (const mistake of MAS_KNOWN_MISTAKES.filter((m) => m.place !== '*')) {
      expect(masKeyPlaces().get(mistake.key) ?? []).not.toContain(mistake.place);
    }
  });
});
