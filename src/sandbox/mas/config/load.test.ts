import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMasConfig, type LoadResult } from './load.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const realConfigs = path.resolve(repoRoot, '../shared/testdata/real-configs');

const BASE = `
secrets:
  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff
matrix:
  homeserver: example.com
  secret: s3cret
`;

const PROVIDER = `
upstream_oauth2:
  providers:
    - id: 01HFRQFT5QFMJFGF01P7JAV2ME
      issuer: "https://auth.example.com/application/o/matrix/"
      client_id: cid
      client_secret: csecret
      token_endpoint_auth_method: client_secret_basic
`;

const files: Record<string, string> = { '/secrets/matrix': '  from-a-file \n' };
const readFile = (p: string) => {
  if (p in files) return files[p]!;
  throw Object.assign(new Error('No such file or directory (os error 2)'), { name: 'MasError' });
};

function load(...texts: string[]): LoadResult {
  return loadMasConfig(texts, { configPath: 'config.yaml', readFile });
}

function refused(...texts: string[]): string {
  const result = load(...texts);
  if (result.ok) throw new Error('expected MAS to refuse the configuration');
  return result.error;
}

describe('MAS configuration loading', () => {
  it('applies MAS defaults: no http section means public_base http://[::]:8080/', () => {
    const result = load(BASE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.http.publicBase).toBe('http://[::]:8080/');
    expect(result.config.http.issuer).toBe('http://[::]:8080/');
    expect([...result.config.http.resources]).not.toContain('adminapi');
    expect(result.config.matrix).toMatchObject({ kind: 'synapse', endpoint: 'http://localhost:8008/' });
    expect(result.config.passwords.enabled).toBe(true);
    expect(result.config.providers).toEqual([]);
  });

  it('normalises public_base like the url crate and defaults the issuer to it', () => {
    const result = load(BASE, 'http:\n  public_base: https://auth.example.com\n  listeners: []\n');
    expect(result.ok && result.config.http.issuer).toBe('https://auth.example.com/');
    expect(result.ok && result.config.http.resources.size).toBe(0);
  });

  it('silently ignores unknown and Synapse-style keys: a Synapse-style config has no provider', () => {
    const result = load(
      BASE,
      `
oidc_providers:
  - idp_id: authentik
    issuer: https://auth.example.com/application/o/matrix/
upstream_oauth2_config:
  providers: []
user_mapping_provider:
  config:
    localpart_template: "{{ user.preferred_username }}"
claim_imports: {}
`,
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.config.providers).toEqual([]);
  });

  it('ignores a stale `set_email_verification` inside claims_imports', () => {
    const result = load(
      BASE,
      PROVIDER +
        '      claims_imports:\n        email:\n          action: suggest\n          set_email_verification: always\n',
    );
    expect(result.ok && result.config.providers[0]!.claimsImports.email.action).toBe('suggest');
  });

  it('requires secrets and matrix', () => {
    expect(refused('http:\n  public_base: https://x/\n')).toBe('missing field `secrets`');
    expect(
      refused('secrets:\n  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff\n'),
    ).toBe('missing field `matrix`');
    expect(refused(BASE.replace('  secret: s3cret\n', ''))).toBe(
      'Missing `secret` or `secret_file` for key "default.matrix" in config.yaml YAML file',
    );
  });

  it('reads secret files and trims them', () => {
    const result = load(BASE.replace('secret: s3cret', 'secret_file: /secrets/matrix'));
    expect(result.ok && result.config.matrix.secret).toBe('from-a-file');
    expect(refused(BASE.replace('secret: s3cret', 'secret_file: /nope'))).toBe(
      'No such file or directory (os error 2)',
    );
  });

  it('reports a provider id that is not a ULID like MAS (issue #2126)', () => {
    expect(refused(BASE, PROVIDER.replace('01HFRQFT5QFMJFGF01P7JAV2ME', 'authentik'))).toBe(
      'invalid length for key "default.upstream_oauth2.providers.0.id" in config.yaml YAML file',
    );
    expect(refused(BASE, PROVIDER.replace('01HFRQFT5QFMJFGF01P7JAV2ME', '01HFRQFT5QFMJFGF01P7JAV2MU'))).toBe(
      'invalid character for key "default.upstream_oauth2.providers.0.id" in config.yaml YAML file',
    );
  });

  it('requires token_endpoint_auth_method (the Azure AD docs example)', () => {
    expect(
      refused(BASE, PROVIDER.replace('      token_endpoint_auth_method: client_secret_basic\n', '')),
    ).toBe(
      'missing field `token_endpoint_auth_method` for key "default.upstream_oauth2.providers.0" in config.yaml YAML file',
    );
  });

  it('applies the upstream_oauth2 validation rules with MAS wording', () => {
    const at = ' for key "default.upstream_oauth2.providers.0" in config.yaml YAML file';
    expect(refused(BASE, PROVIDER.replace(/ {6}issuer: .*\n/, ''))).toBe(
      'The `issuer` field is required when discovery is enabled' + at,
    );
    expect(refused(BASE, PROVIDER.replace('client_secret_basic', 'none'))).toBe(
      'Unexpected field `client_secret` for the selected authentication method' + at,
    );
    expect(refused(BASE, PROVIDER.replace('      client_secret: csecret\n', ''))).toBe(
      'missing field `client_secret`' + at,
    );
    expect(refused(BASE, PROVIDER + '      token_endpoint_auth_signing_alg: RS256\n')).toBe(
      'Unexpected field `token_endpoint_auth_signing_alg` for the selected authentication method' + at,
    );
    expect(refused(BASE, PROVIDER.replace('client_secret_basic', 'client_secret_jwt'))).toBe(
      'missing field `token_endpoint_auth_signing_alg`' + at,
    );
    const ci = (block: string) => PROVIDER + '      claims_imports:\n' + block;
    const lp =
      ' for key "default.upstream_oauth2.providers.0.claims_imports.localpart" in config.yaml YAML file';
    expect(refused(BASE, ci('        skip_confirmation: true\n        localpart: {action: suggest}\n'))).toBe(
      'The field `action` must be `require` when `skip_confirmation` is set to `true`' + lp,
    );
    expect(
      refused(
        BASE,
        ci(
          '        skip_confirmation: true\n        localpart: {action: require}\n        email: {action: suggest}\n',
        ),
      ),
    ).toBe(
      'The field `action` must not be `suggest` when `skip_confirmation` is set to `true` for key "default.upstream_oauth2.providers.0.claims_imports.email" in config.yaml YAML file',
    );
    expect(refused(BASE, ci('        localpart: {action: suggest, on_conflict: add}\n'))).toBe(
      'The field `action` must be either `force` or `require` when `on_conflict` is set to `add`, `replace` or `set`' +
        lp,
    );
    expect(refused(BASE, PROVIDER + '      client_secret_file: /secrets/matrix\n')).toBe(
      'Cannot specify both `client_secret` and `client_secret_file` for key "default.upstream_oauth2.providers.0" in config.yaml YAML file',
    );
  });

  it('reports unknown enum values and wrong types as figment does', () => {
    expect(refused(BASE, PROVIDER.replace('client_secret_basic', 'basic'))).toBe(
      'unknown variant: found `basic`, expected `one of `none`, `client_secret_basic`, `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, `sign_in_with_apple`` for key "default.upstream_oauth2.providers.0.token_endpoint_auth_method" in config.yaml YAML file',
    );
    expect(refused(BASE, PROVIDER + '      scope: [openid, profile]\n')).toBe(
      'invalid type: found sequence, expected a string for key "default.upstream_oauth2.providers.0.scope" in config.yaml YAML file',
    );
    expect(refused(BASE, PROVIDER.replace('client_id: cid', 'client_id: 12345'))).toBe(
      'invalid type: found unsigned int `12345`, expected a string for key "default.upstream_oauth2.providers.0.client_id" in config.yaml YAML file',
    );
  });

  it('validates listeners, passwords and clients', () => {
    expect(
      refused(
        BASE,
        'http:\n  public_base: https://x/\n  listeners:\n    - resources: []\n      binds: [{address: "[::]:8080"}]\n',
      ),
    ).toBe('listener has no resources for key "default.http.listeners.0" in config.yaml YAML file');
    expect(refused(BASE, 'passwords:\n  schemes: []\n')).toBe(
      'Requires at least one password scheme in the config for key "default.passwords" in config.yaml YAML file',
    );
    expect(
      refused(
        BASE,
        'clients:\n  - client_id: 01HFRQFT5QFMJFGF01P7JAV2ME\n    client_auth_method: client_secret_basic\n',
      ),
    ).toBe(
      'client_secret is required for client_secret_basic for key "default.clients.0.client_auth_method" in config.yaml YAML file',
    );
  });

  it('stops at the first error, in the order MAS extracts its sections', () => {
    // application sections come before clients, clients before upstream_oauth2
    const broken = PROVIDER.replace('client_secret_basic', 'none');
    const badClient = 'clients:\n  - client_id: nope\n    client_auth_method: none\n';
    expect(refused(BASE, broken, badClient)).toBe(
      'invalid length for key "default.clients.0.client_id" in config.yaml YAML file',
    );
    expect(refused(BASE.replace('  secret: s3cret\n', ''), badClient)).toContain(
      'Missing `secret` or `secret_file`',
    );
  });

  it('merges fragments like figment/ESS: maps merge, lists append, scalars replace', () => {
    const second = PROVIDER.replace('01HFRQFT5QFMJFGF01P7JAV2ME', '01HFRPWGR6BG9SAGAKDTQHG2R2');
    const result = load(BASE, PROVIDER, second, 'matrix:\n  homeserver: other.example\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.providers.map((p) => p.id)).toEqual([
      '01HFRQFT5QFMJFGF01P7JAV2ME',
      '01HFRPWGR6BG9SAGAKDTQHG2R2',
    ]);
    expect(result.config.matrix.homeserver).toBe('other.example');
    expect(result.config.matrix.secret).toBe('s3cret');
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(refused('matrix: [\n')).toMatch(/in config\.yaml YAML file$/);
  });

  it.runIf(existsSync(realConfigs))('handles the real upstream documentation examples', () => {
    const read = (f: string) => readFileSync(path.join(realConfigs, f), 'utf8');
    const authentik = load(BASE, read('mas-docs-authentik-head.mas.yaml'));
    expect(authentik.ok).toBe(true);
    const stale = load(BASE, read('mas-docs-authentik-pre-af15767.mas.yaml'));
    expect(stale.ok).toBe(true);
    expect(refused(BASE, read('mas-docs-azure-ad-head.mas.yaml'))).toBe(
      'missing field `token_endpoint_auth_method` for key "default.upstream_oauth2.providers.0" in config.yaml YAML file',
    );
  });
});
