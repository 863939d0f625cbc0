import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { runProviderRulesCheck } from './provider-rules.js';

const rules = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runProviderRulesCheck(view, [view]);
};
const provider = (...lines: string[]) =>
  [
    'upstream_oauth2:',
    '  providers:',
    '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
    ...lines.map((l) => `      ${l}`),
  ].join('\n');
const lead = (detail: string) => detail.split('. ')[0];

describe('mas/provider-rules', () => {
  it('has MAS’s sentences and paths for every rule of validate()', () => {
    const text = readFileSync(
      resolve(import.meta.dirname, '../../../test/fixtures/lint/mas/invalid-provider.mas.yaml'),
      'utf8',
    );
    const details = rules(text).map((f) => f.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'upstream_oauth2.providers.0: The `issuer` field is required when discovery is enabled',
        ),
        expect.stringContaining(
          'upstream_oauth2.providers.0: Unexpected field `client_secret` for the selected authentication method',
        ),
        expect.stringContaining('upstream_oauth2.providers.1: missing field `client_secret`'),
        expect.stringContaining(
          'upstream_oauth2.providers.1.claims_imports.localpart: The field `action` must be `require` when `skip_confirmation` is set to `true`',
        ),
        expect.stringContaining(
          'upstream_oauth2.providers.1.claims_imports.email: The field `action` must not be `suggest` when `skip_confirmation` is set to `true`',
        ),
        expect.stringContaining(
          'upstream_oauth2.providers.1.claims_imports.localpart: The field `action` must be either `force` or `require` when `on_conflict` is set to `add`, `replace` or `set`',
        ),
        expect.stringContaining(
          'upstream_oauth2.providers.3: missing field `token_endpoint_auth_signing_alg`',
        ),
      ]),
    );
    expect(JSON.stringify(rules(text))).not.toContain('canary-invalid-provider-secret-5c2d');
  });

  it('gives the uppercase form of a lowercase id and says MAS reads it', () => {
    const [f] = rules(
      [
        'upstream_oauth2:',
        '  providers:',
        '    - id: 01hfrqft5qfmjfgf01p7jav2me',
        '      issuer: https://x/',
        '      client_id: a',
        '      token_endpoint_auth_method: none',
      ].join('\n'),
    );
    expect(f!.detail).toMatch(
      /^MAS reads this, but it breaks MAS’s published schema: upstream_oauth2\.providers\.0\.id: does not match the pattern/,
    );
    expect(f!.fix?.snippet).toBe('id: 01HFRQFT5QFMJFGF01P7JAV2ME');
    expect(f!.location).toMatchObject({ line: 3, column: 7 });
  });

  it('suggests a deterministic ULID for an id that is not one', () => {
    const text = [
      'upstream_oauth2:',
      '  providers:',
      '    - id: authentik',
      '      issuer: https://x/',
      '      client_id: a',
      '      token_endpoint_auth_method: none',
    ].join('\n');
    const [f] = rules(text);
    expect(lead(f!.detail)).toBe(
      'MAS refuses to load this config: upstream_oauth2.providers.0.id: invalid length',
    );
    expect(f!.fix?.snippet).toMatch(/^id: [0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(rules(text)[0]!.fix?.snippet).toBe(f!.fix?.snippet);
  });

  it('warns that MAS can never verify an HS256 id_token', () => {
    const [f] = rules(
      provider(
        'issuer: https://x/',
        'client_id: a',
        'token_endpoint_auth_method: none',
        'id_token_signed_response_alg: HS256',
      ),
    );
    expect(f!.detail).toMatch(/^MAS accepts this config, but it cannot work as written: .*HS256/);
    expect(f!.detail).toContain('none of the keys worked');
    expect(f!.fix?.snippet).toBe('id_token_signed_response_alg: RS256');
  });

  it('finds signing-alg, Apple and discovery-disabled problems', () => {
    const details = rules(
      provider(
        'issuer: https://x/',
        'client_id: a',
        'client_secret_file: /s',
        'token_endpoint_auth_method: client_secret_basic',
        'token_endpoint_auth_signing_alg: HS256',
        'sign_in_with_apple: {team_id: t, key_id: k}',
        'discovery_mode: disabled',
      ),
    ).map((f) => f.detail);
    expect(details).toEqual([
      expect.stringContaining('Provider has discovery disabled but no authorization endpoint set'),
      expect.stringContaining('Provider has discovery disabled but no token endpoint set'),
      expect.stringContaining(
        'Unexpected field `token_endpoint_auth_signing_alg` for the selected authentication method',
      ),
      expect.stringContaining('Unexpected field `sign_in_with_apple` for the selected authentication method'),
    ]);
  });

  it('rejects both client_secret and client_secret_file', () => {
    const [f] = rules(
      provider(
        'issuer: https://x/',
        'client_id: a',
        'client_secret: s3cr3t-canary',
        'client_secret_file: /s',
        'token_endpoint_auth_method: client_secret_basic',
      ),
    );
    expect(f!.detail).toContain('Cannot specify both `client_secret` and `client_secret_file`');
    expect(JSON.stringify(f)).not.toContain('s3cr3t-canary');
  });

  it('finds duplicate ids, also across ESS fragments of one file', () => {
    const text = provider('issuer: https://x/', 'client_id: a', 'token_endpoint_auth_method: none');
    const a = viewFromYaml('mas', text, 'values.yaml');
    const b = viewFromYaml('mas', text, 'values.yaml');
    Object.assign(a, { via: ['matrixAuthenticationService.additional.a.config'] });
    Object.assign(b, { via: ['matrixAuthenticationService.additional.b.config'] });
    expect(runProviderRulesCheck(a, [a, b])).toEqual([]);
    const [f] = runProviderRulesCheck(b, [a, b]);
    expect(f!.detail).toContain(
      'duplicate provider id `01HFRQFT5QFMJFGF01P7JAV2ME` (also used by upstream_oauth2.providers.0 in matrixAuthenticationService.additional.a.config)',
    );
  });

  it('is quiet on a correct provider', () => {
    expect(
      rules(
        provider(
          'issuer: https://x/',
          'client_id: a',
          'client_secret_file: /s',
          'token_endpoint_auth_method: client_secret_basic',
        ),
      ),
    ).toEqual([]);
  });
});
