import { afterEach, describe, expect, it } from 'vitest';
import { api, CALLBACK, startAuthentik, type Running } from './helpers.js';

/** Blueprints as repair will use them (authentik.md §8): patch a provider, in one transaction. */

let run: Running | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

async function applyContent(r: Running, content: string) {
  const call = api(r);
  const created = await call('/managed/blueprints/', {
    method: 'POST',
    body: JSON.stringify({ name: 'repair', content }),
  });
  expect(created.status).toBe(201);
  return call(`/managed/blueprints/${created.body!.pk as string}/apply/`, { method: 'POST' });
}

describe('blueprints', () => {
  it('a blueprint repairs a broken provider: redirect URI, signing key, property mappings', async () => {
    run = await startAuthentik({
      providers: {
        'matrix-provider': {
          signing_key: null,
          redirect_uris: [],
          property_mappings: ['goauthentik.io/providers/oauth2/scope-openid'],
        },
      },
    });
    const disc = () =>
      fetch(`${run!.url}/application/o/matrix/.well-known/openid-configuration`).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    expect((await disc()).id_token_signing_alg_values_supported).toEqual(['HS256']);
    const content = `
version: 1
metadata:
  name: ssochain repair
entries:
  - model: authentik_providers_oauth2.oauth2provider
    identifiers:
      name: matrix-provider
    attrs:
      signing_key: !Find [authentik_crypto.certificatekeypair, [name, "authentik Self-signed Certificate"]]
      redirect_uris:
        - matching_mode: strict
          url: "${CALLBACK}"
      property_mappings:
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-openid]]
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-email]]
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-profile]]
`;
    const applied = await applyContent(run, content);
    expect(applied.body).toMatchObject({
      status: 'successful',
      managed_models: ['authentik_providers_oauth2.oauth2provider'],
      metadata: { name: 'ssochain repair' },
    });
    const d = await disc();
    expect(d.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(d.scopes_supported).toEqual(['openid', 'email', 'profile']);
    const provider = await api(run)('/providers/oauth2/1/');
    expect(provider.body!.redirect_uris).toEqual([
      { matching_mode: 'strict', url: CALLBACK, redirect_uri_type: 'authorization' },
    ]);
    // fields not in attrs are left alone
    expect(provider.body!.client_id).toBe('ssochain-sandbox-matrix');
    const jwks = (await (await fetch(`${run.url}/application/o/matrix/jwks/`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
  });

  it('rolls the whole blueprint back when one entry is invalid', async () => {
    run = await startAuthentik();
    const result = await applyContent(
      run,
      `version: 1
entries:
  - model: authentik_core.group
    identifiers: {name: created-then-rolled-back}
  - model: authentik_providers_oauth2.oauth2provider
    identifiers: {name: matrix-provider}
    attrs:
      redirect_uris: ["http://bare-string.example/cb"]
`,
    );
    expect(result.body!.status).toBe('error');
    expect((await api(run)('/core/groups/?name=created-then-rolled-back')).body!.results).toEqual([]);
    const imported = await fetch(`${run.url}/api/v3/managed/blueprints/import/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.token}` },
      body: (() => {
        const f = new FormData();
        f.set(
          'file',
          new Blob([
            'version: 1\nentries:\n  - model: authentik_providers_oauth2.oauth2provider\n    identifiers: {name: matrix-provider}\n    attrs: {redirect_uris: [x]}\n',
          ]),
        );
        return f;
      })(),
    });
    const body = (await imported.json()) as {
      success: boolean;
      logs: { event: string; attributes: Record<string, unknown> }[];
    };
    expect(body.success).toBe(false);
    expect(body.logs.find((l) => l.event === 'Entry invalid')!.attributes.errors).toEqual({
      redirect_uris: [{ non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] }],
    });
  });

  it('creates, updates and deletes users and applications (state present/absent, KeyOf)', async () => {
    run = await startAuthentik();
    const result = await applyContent(
      run,
      `version: 1
entries:
  - model: authentik_core.group
    id: members
    identifiers: {name: matrix-users}
  - model: authentik_core.user
    identifiers: {username: boje}
    attrs: {is_active: false, groups: [!KeyOf members]}
  - model: authentik_core.user
    identifiers: {username: gina}
    attrs: {name: Gina, email: gina@example.org, password: gina-pw}
  - model: authentik_policies.policybinding
    identifiers:
      target: !Find [authentik_core.application, [slug, matrix]]
      group: !KeyOf members
      order: 0
  - model: authentik_core.application
    identifiers: {slug: unused}
    state: absent
`,
    );
    expect(result.body!.status).toBe('successful');
    const call = api(run);
    expect((await call('/core/users/?username=boje')).body!.results).toEqual([
      expect.objectContaining({
        is_active: false,
        groups_obj: [expect.objectContaining({ name: 'matrix-users' })],
      }),
    ]);
    expect(run.instance.ak.store.userByName('gina')?.password).toBe('gina-pw');
    expect((await call('/core/applications/matrix/check_access/?for_user=1')).body).toMatchObject({
      passing: false,
    });
  });
});
