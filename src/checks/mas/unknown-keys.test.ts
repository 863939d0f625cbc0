import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { findUnknownKeys, runUnknownKeysCheck, schemaPlace } from './unknown-keys.js';

const unknown = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runUnknownKeysCheck(view);
};

describe('mas/unknown-keys', () => {
  it('names the release that removed a key', () => {
    const [f] = unknown(
      [
        'upstream_oauth2:',
        '  providers:',
        '    - claims_imports:',
        '        email:',
        '          set_email_verification: always',
      ].join('\n'),
    );
    expect(f).toMatchObject({
      code: 'mas-config-unknown-key',
      severity: 'warn',
      location: { line: 5, column: 11 },
    });
    expect(f!.detail).toContain('v0.13.0');
    expect(f!.fix?.repair).toBe('mas-remove-key');
  });

  it('knows the claim_imports typo and the top-level client_secret of #3613', () => {
    const findings = unknown(
      ['client_secret: hunter2', 'upstream_oauth2:', '  providers:', '    - claim_imports: {}'].join('\n'),
    );
    expect(findings.map((f) => f.detail)).toEqual([
      expect.stringContaining('#3613'),
      expect.stringContaining('`claims_imports` (plural'),
    ]);
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });

  it('suggests the closest key MAS reads at that place', () => {
    const [f] = unknown(
      ['http:', '  publicBase: https://x/', '  public_base: https://x/', '  trusted_proxy: []'].join('\n'),
    );
    expect(f!.detail).toContain('did you mean `public_base`');
    expect(unknown(['http:', '  trusted_proxy: []'].join('\n'))[0]!.detail).toContain(
      'did you mean `trusted_proxies`',
    );
  });

  it('says where a key belongs when it sits at the wrong level', () => {
    const [f] = unknown(['upstream_oauth2:', '  claims_imports: {}'].join('\n'));
    expect(f!.detail).toContain('`upstream_oauth2.providers[]`');
    expect(f!.fix?.repair).toBe('mas-move-key');
  });

  it('checks inside lists, tagged unions and untagged unions', () => {
    const found = findUnknownKeys({
      http: {
        listeners: [
          {
            resources: [{ name: 'assets', path: '/a', playground: true }],
            binds: [{ host: 'h', port: 1, adress: 'x' }],
          },
        ],
      },
      secrets: { keys: [{ kid: 'a', key_file: '/k', algorithm: 'rsa' }] },
    });
    expect(found.map((u) => u.path.join('.'))).toEqual([
      'http.listeners.0.resources.0.playground',
      'http.listeners.0.binds.0.adress',
      'secrets.keys.0.algorithm',
    ]);
  });

  it('leaves free-form maps and Synapse-dialect keys alone', () => {
    expect(
      findUnknownKeys({
        policy: { data: { whatever: { you: 'like' } } },
        upstream_oauth2: {
          providers: [
            {
              additional_authorization_parameters: { kc_idp_hint: 'x' },
              scopes: ['openid'],
              user_mapping_provider: {},
            },
          ],
        },
        upstream_oauth2_config: { anything: 1 },
      }),
    ).toEqual([]);
  });

  it('writes schema places with [] for list entries', () => {
    expect(schemaPlace(['upstream_oauth2', 'providers', 0, 'claims_imports'])).toBe(
      'upstream_oauth2.providers[].claims_imports',
    );
    expect(schemaPlace([])).toBe('');
  });
});

describe('YAML merge keys', () => {
  it('are reported, because MAS’s YAML reader does not apply them', () => {
    const findings = unknown(
      [
        'upstream_oauth2:',
        '  providers:',
        '    - <<: {issuer: "https://a/"}',
        '      id: 01HFRQFT5QFMJFGF01P7JAV2ME',
      ].join('\n'),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.detail).toContain('merge keys');
  });
});
