import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC_PATH, generateMasSchemaModule, OUTPUT_PATH } from '../../scripts/gen-mas-schema.mjs';
import { MAS_SCHEMA_DEFINITIONS, MAS_SCHEMA_SHA256, MAS_ULID_PATTERN } from './mas-config-schema.js';

const specPresent = existsSync(DEFAULT_SPEC_PATH);

describe('the committed MAS schema module', () => {
  it.skipIf(!specPresent)(
    `is what scripts/gen-mas-schema.mjs generates from ${specPresent ? 'the spec' : 'the spec (skipped: ../shared/specs/mas-config.schema.json is absent)'}`,
    async () => {
      const regenerated = await generateMasSchemaModule(DEFAULT_SPEC_PATH);
      // on failure: run `node scripts/gen-mas-schema.mjs` and commit the result
      expect(regenerated).toBe(readFileSync(OUTPUT_PATH, 'utf8'));
    },
  );

  it.skipIf(!specPresent)('records the hash of the spec it came from', () => {
    expect(MAS_SCHEMA_SHA256).toBe(
      createHash('sha256').update(readFileSync(DEFAULT_SPEC_PATH, 'utf8')).digest('hex'),
    );
  });

  it('carries what the checks rely on, without the spec at hand', () => {
    expect(MAS_ULID_PATTERN).toBe('^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]{26}$');
    const provider = MAS_SCHEMA_DEFINITIONS.Provider;
    expect(provider?.t).toBe('object');
    if (provider?.t !== 'object') return;
    expect(provider.required).toEqual(['id', 'client_id', 'token_endpoint_auth_method']);
    expect(Object.keys(provider.properties)).toContain('claims_imports');
    expect(MAS_SCHEMA_DEFINITIONS.TokenAuthMethod).toEqual({
      t: 'enum',
      values: [
        'none',
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'sign_in_with_apple',
      ],
    });
  });

  it('resolved the unions: listener resources are tagged by name, binds are untagged', () => {
    const resource = MAS_SCHEMA_DEFINITIONS.Resource;
    expect(resource?.t === 'object' && resource.variants?.tag).toBe('name');
    expect(
      resource?.t === 'object' && Object.keys(resource.variants?.cases.graphql?.properties ?? {}),
    ).toEqual(['playground', 'undocumented_oauth2_access']);
    expect(MAS_SCHEMA_DEFINITIONS.BindConfig?.t).toBe('union');
    const jwk = MAS_SCHEMA_DEFINITIONS.JsonWebKey;
    expect(jwk?.t === 'object' && jwk.variants?.tag).toBe('kty');
    expect(jwk?.t === 'object' && jwk.variants?.cases.RSA?.required).toEqual(['n', 'e']);
  });
});
