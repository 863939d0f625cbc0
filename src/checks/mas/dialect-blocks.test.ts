import { describe, expect, it } from 'vitest';
import { findDialectBlocks, isCoveredBy } from './dialect-blocks.js';

describe('findDialectBlocks', () => {
  it('finds one block per place, not one per key', () => {
    const blocks = findDialectBlocks({
      upstream_oauth2_config: {
        issuer: 'x',
        scopes: ['openid'],
        user_mapping_provider: { config: { localpart_template: 'a' } },
      },
    });
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({
      kind: 'section',
      path: ['upstream_oauth2_config'],
      keys: [['upstream_oauth2_config']],
    });
  });

  it('finds Synapse keys inside a MAS provider, including templates put into claims_imports', () => {
    const [block] = findDialectBlocks({
      upstream_oauth2: {
        providers: [{ id: 'x', idp_name: 'A', claims_imports: { localpart_template: 'a' } }],
      },
    });
    expect(block).toMatchObject({
      kind: 'mixed-provider',
      path: ['upstream_oauth2', 'providers', 0, 'idp_name'],
      keys: [
        ['upstream_oauth2', 'providers', 0, 'idp_name'],
        ['upstream_oauth2', 'providers', 0, 'claims_imports', 'localpart_template'],
      ],
    });
  });

  it('takes each entry of oidc_providers as a provider, even a mapping written instead of a list', () => {
    expect(
      findDialectBlocks({ oidc_providers: [{ idp_id: 'a' }, 'junk', { idp_id: 'b' }] })[0]!.sources,
    ).toHaveLength(2);
    expect(findDialectBlocks({ oidc_providers: { idp_id: 'a' } })[0]!.sources).toHaveLength(1);
  });

  it('ignores clients, policy.data and additional_authorization_parameters', () => {
    expect(
      findDialectBlocks({
        clients: [{ client_auth_method: 'none' }],
        policy: { data: { scopes: [] } },
        upstream_oauth2: { providers: [{ additional_authorization_parameters: { idp_id: 'x' } }] },
      }),
    ).toEqual([]);
  });

  it('covers a key path and everything below it', () => {
    expect(isCoveredBy(['a', 'b', 0], [['a', 'b']])).toBe(true);
    expect(isCoveredBy(['a'], [['a', 'b']])).toBe(false);
  });
});

describe('findDialectBlocks on odd shapes', () => {
  it('keeps stray mapping keys as their own block when the section next to them has no provider', () => {
    const blocks = findDialectBlocks({ oidc_providers: [], user_mapping_provider: { config: {} } });
    expect(blocks.map((b) => b.kind).sort()).toEqual(['provider-list', 'stray-keys']);
  });
});
