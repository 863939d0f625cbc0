import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { masChecks } from './index.js';
import { runDialectCheck } from './dialect.js';
import { SECRET_PLACEHOLDER } from './dialect-translation.js';
import { isMasUlid } from './provider-id.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/lint/mas');
const readFixture = (name: string) => readFileSync(resolve(FIXTURES, name), 'utf8');

function lintAll(text: string, file = 'mas.yaml') {
  const view = viewFromYaml('mas', text, file);
  return masChecks.flatMap((c) => c.run(view, [view]));
}

function dialect(text: string) {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runDialectCheck(view, [view]);
}

function providerOf(snippet: string | undefined, index = 0): Record<string, unknown> {
  return (parse(snippet ?? '') as { upstream_oauth2: { providers: Record<string, unknown>[] } })
    .upstream_oauth2.providers[index]!;
}

describe('mas/dialect on the seed runbook’s MAS config (section 3.1)', () => {
  const text = readFixture('seed-fix-template.mas.yaml');
  const findings = lintAll(text, 'seed-fix-template.mas.yaml');

  it('gives exactly mas-config-dialect and mas-provider-missing', () => {
    expect(findings.map((f) => f.code).sort()).toEqual(['mas-config-dialect', 'mas-provider-missing']);
  });

  it('fixes with the translated upstream_oauth2.providers block', () => {
    const finding = findings.find((f) => f.code === 'mas-config-dialect')!;
    expect(finding.location).toMatchObject({ line: 3, column: 1 });
    expect(finding.fix?.repair).toBe('mas-translate-dialect');
    const provider = providerOf(finding.fix?.snippet);
    expect(isMasUlid(String(provider.id))).toBe(true);
    expect(provider).toMatchObject({
      issuer: 'https://auth.axion1337.chat/application/o/matrix/',
      client_id: '8f3kQ2rV7xLmN4pZ1sT6uW9yB0cE5hJd',
      client_secret: SECRET_PLACEHOLDER,
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      human_name: 'Authentik',
      claims_imports: {
        localpart: { action: 'require', template: '{{ user.preferred_username }}' },
        displayname: { action: 'force', template: '{{ user.name }}' },
        email: { action: 'force', template: '{{ user.email }}' },
      },
    });
    expect(finding.detail).toMatch(/no “Sign in with …” button/);
  });

  it('never prints the client secret', () => {
    expect(JSON.stringify(findings)).not.toContain('canary-seed-client-secret-3f9a1c');
  });

  it('suggests a snippet that itself lints clean as a MAS config', () => {
    const snippet = findings.find((f) => f.code === 'mas-config-dialect')!.fix!.snippet!;
    expect(lintAll(snippet, 'snippet.yaml')).toEqual([]);
  });

  it('points mas-provider-missing at the translation', () => {
    const missing = findings.find((f) => f.code === 'mas-provider-missing')!;
    expect(missing.fix?.summary).toContain('seed-fix-template.mas.yaml:3');
    expect(missing.fix?.snippet).toBe(findings.find((f) => f.code === 'mas-config-dialect')!.fix!.snippet);
    expect(missing.fix?.repair).toBe('mas-add-provider');
  });

  it('suggests the same id on every run', () => {
    expect(providerOf(dialect(text)[0]!.fix!.snippet).id).toBe(providerOf(dialect(text)[0]!.fix!.snippet).id);
  });
});

describe('mas/dialect', () => {
  it('reuses the id of a callback URL found in the files (the redirect URI Authentik has)', () => {
    const findings = lintAll(readFixture('dialect-oidc-providers.mas.yaml'));
    const provider = providerOf(findings.find((f) => f.code === 'mas-config-dialect')!.fix!.snippet);
    expect(provider).toMatchObject({
      id: '01KQDJTR1ZVTG8JQ220F5BNBFZ',
      human_name: 'Authentik',
      token_endpoint_auth_method: 'client_secret_post',
      fetch_userinfo: true,
      synapse_idp_id: 'oidc-authentik',
      claims_imports: {
        localpart: { action: 'require', template: "{{ (user.email | split('@'))[0] }}", on_conflict: 'add' },
      },
    });
    expect(findings.find((f) => f.code === 'mas-config-dialect')!.detail).toMatch(
      /trailing|ends with a slash/,
    );
    expect(JSON.stringify(findings)).not.toContain('canary-oidc-providers-secret-91ab');
  });

  it('reuses the id of an existing MAS provider for the same issuer and client', () => {
    const [finding] = dialect(
      [
        'upstream_oauth2:',
        '  providers:',
        '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
        '      enabled: false',
        '      issuer: https://auth.example.com/application/o/matrix/',
        '      client_id: matrix',
        '      token_endpoint_auth_method: none',
        'upstream_oauth2_config:',
        '  issuer: https://auth.example.com/application/o/matrix/',
        '  client_id: matrix',
      ].join('\n'),
    );
    expect(providerOf(finding!.fix!.snippet).id).toBe('01HFRQFT5QFMJFGF01P7JAV2ME');
    expect(providerOf(finding!.fix!.snippet).token_endpoint_auth_method).toBe('none');
  });

  it('reports a MAS provider with Synapse keys mixed in once, at its first Synapse key, keeping its id', () => {
    const findings = dialect(readFixture('dialect-mixed-provider.mas.yaml'));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.location).toMatchObject({ line: 10, column: 7 });
    const provider = providerOf(findings[0]!.fix!.snippet);
    expect(provider).toMatchObject({
      id: '01KQDJTR1ZVTG8JQ220F5BNBFZ',
      client_secret_file: '/run/secrets/authentik',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      claims_imports: { localpart: { action: 'require', template: '{{ user.preferred_username }}' } },
    });
    expect(provider).not.toHaveProperty('scopes');
    expect(provider).not.toHaveProperty('client_auth_method');
    expect(lintAll(findings[0]!.fix!.snippet!)).toEqual([]);
  });

  it('folds mapping keys pasted next to the section into the section’s block', () => {
    const findings = dialect(
      [
        'oidc_config:',
        '  issuer: https://idp.example.com/',
        '  client_id: x',
        'user_mapping_provider:',
        '  config:',
        '    localpart_template: "{{ user.nick }}"',
      ].join('\n'),
    );
    expect(findings).toHaveLength(1);
    const provider = providerOf(findings[0]!.fix!.snippet);
    expect(provider).toMatchObject({
      synapse_idp_id: 'oidc',
      token_endpoint_auth_method: 'none',
      claims_imports: { localpart: { template: '{{ user.nick }}' } },
    });
  });

  it('translates ESS-style user_mapping and stray templates outside any provider', () => {
    const findings = dialect(
      ['upstream_oauth2:', '  user_mapping:', '    localpart_template: "{{ user.preferred_username }}"'].join(
        '\n',
      ),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.detail).toContain('upstream_oauth2.user_mapping');
  });

  it('leaves clients[].client_auth_method and free-form maps alone', () => {
    expect(
      dialect(
        [
          'clients:',
          '  - client_id: 01J6BZ8ZQH4V8W6X2Y3Z4A5B6C',
          '    client_auth_method: none',
          'policy:',
          '  data:',
          '    scopes: [a]',
          'upstream_oauth2:',
          '  providers:',
          '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
          '      additional_authorization_parameters:',
          '        idp_id: x',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('gives every provider of an oidc_providers list its own translated entry', () => {
    const [finding] = dialect(
      [
        'oidc_providers:',
        '  - idp_id: a',
        '    issuer: https://a/',
        '    client_id: a',
        '  - idp_id: b',
        '    issuer: https://b/',
        '    client_id: b',
        '    client_secret_path: /s/b',
      ].join('\n'),
    );
    const a = providerOf(finding!.fix!.snippet, 0);
    const b = providerOf(finding!.fix!.snippet, 1);
    expect(a.id).not.toBe(b.id);
    expect(b).toMatchObject({
      client_secret_file: '/s/b',
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
});

describe('the redirect URI in the dialect fix', () => {
  it('is spelled out from http.public_base, another MAS document, or the ESS ingress host', () => {
    const text = [
      'upstream_oauth2_config:',
      '  issuer: https://auth.example.com/application/o/matrix/',
      '  client_id: matrix',
    ].join('\n');
    const view = viewFromYaml('mas', text, 'values.yaml');
    const ess = viewFromYaml(
      'ess-values',
      'matrixAuthenticationService:\n  ingress:\n    host: account.example.com',
      'values.yaml',
    );
    const [finding] = runDialectCheck(view, [ess, view]);
    const id = String(providerOf(finding!.fix!.snippet).id);
    expect(finding!.fix!.summary).toContain(`https://account.example.com/upstream/callback/${id}`);
    const own = viewFromYaml(
      'mas',
      `${text}\nhttp:\n  public_base: https://mas.example.com/prefix`,
      'mas.yaml',
    );
    expect(runDialectCheck(own, [own])[0]!.fix!.summary).toContain(
      `https://mas.example.com/prefix/upstream/callback/${id}`,
    );
    expect(dialect(text)[0]!.fix!.summary).toContain(`<public_base>/upstream/callback/${id}`);
  });
});
