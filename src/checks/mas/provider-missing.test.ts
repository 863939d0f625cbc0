import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { runProviderMissingCheck } from './provider-missing.js';

const WHOLE =
  'secrets: {encryption_file: /e}\nmatrix: {secret_file: /s, homeserver: example.com}\nhttp: {public_base: "https://auth.example.com/"}\n';
const PROVIDER =
  'upstream_oauth2:\n  providers:\n    - {id: 01HFRQFT5QFMJFGF01P7JAV2ME, issuer: "https://x/", client_id: a, token_endpoint_auth_method: none}\n';
const check = (text: string, others: string[] = []) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  const all = [view, ...others.map((o, i) => viewFromYaml('mas', o, `other${i}.yaml`))];
  return runProviderMissingCheck(view, all);
};

describe('mas/provider-missing', () => {
  it('reports a whole config without upstream providers, with a stable Authentik skeleton', () => {
    const [f] = check(WHOLE);
    expect(f!.detail).toContain('there is no upstream_oauth2 section');
    expect(f!.fix?.repair).toBe('mas-add-provider');
    const provider = (
      parse(f!.fix!.snippet!) as { upstream_oauth2: { providers: Record<string, unknown>[] } }
    ).upstream_oauth2.providers[0]!;
    expect(provider).toMatchObject({
      human_name: 'Authentik',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
    });
    expect(check(WHOLE)[0]!.fix?.snippet).toBe(f!.fix?.snippet);
  });

  it('reports an empty list and a list whose providers are all disabled', () => {
    expect(check(`${WHOLE}upstream_oauth2: {providers: []}`)[0]!.detail).toContain(
      'upstream_oauth2.providers is empty',
    );
    const [f] = check(
      `${WHOLE}passwords: {enabled: false}\n${PROVIDER.replace('{id:', '{enabled: false, id:')}`,
    );
    expect(f!.detail).toContain('`enabled: false`');
    expect(f!.detail).toContain('nobody can sign in at all');
    expect(f!.fix?.snippet).toBe('enabled: true');
  });

  it('is quiet when a provider is enabled, here or in another MAS document linted with it', () => {
    expect(check(`${WHOLE}${PROVIDER}`)).toEqual([]);
    expect(check(`${WHOLE}upstream_oauth2: {providers: []}`, [PROVIDER])).toEqual([]);
  });

  it('judges a fragment only when it tries to configure upstream sign-in', () => {
    expect(check('account: {password_registration_enabled: false}')).toEqual([]);
    expect(check('upstream_oauth2: {providers: []}')).toHaveLength(1);
  });

  it('reuses a callback URL id in the skeleton', () => {
    const [f] = check(
      `${WHOLE}branding: {tos_uri: "https://auth.example.com/upstream/callback/01KQDJTR1ZVTG8JQ220F5BNBFZ"}`,
    );
    expect(f!.fix?.snippet).toContain('id: 01KQDJTR1ZVTG8JQ220F5BNBFZ');
  });
});
