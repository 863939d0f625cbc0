import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SsochainConfig } from '../../../config/schema.js';
import {
  SEED_CLIENT_ID,
  SEED_CLIENT_SECRET,
  SEED_MAS_PROVIDER_ID,
} from '../../../sandbox/authentik/index.js';
import { EMULATORS } from '../../../sandbox/registry.js';
import { startStack, type Stack } from '../../../sandbox/stack.js';
import { Secret } from '../../../snapshot/secret.js';
import type { ChainSnapshot, MasConfigFacts } from '../../../snapshot/types.js';
import { authentikSource } from '../../../sources/authentik.js';
import { discoverySource } from '../../../sources/discovery.js';
import type { SnapshotPart } from '../../../sources/source.js';
import { runChainChecks } from '../../chain-check.js';
import { mappingChecks } from '../mapping/index.js';
import { oidcChecks } from '../oidc/index.js';
import { authentikChecks } from './index.js';

/**
 * The two sources against the Authentik emulator, then the authentik/oidc/mapping checks over
 * what they gathered: each broken scenario yields the findings that name its cause.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function diagnose(
  yaml: string[],
  masOver: (urls: Stack['urls']) => Record<string, unknown> = () => ({}),
  user?: string,
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-chain-'));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, ['name: chain', ...yaml, 'expect: {brokenLink: null, findings: []}'].join('\n'));
  stack = await startStack({ scenarioFile: file, emulators: { authentik: EMULATORS.authentik! } });
  const urls = stack.urls;
  const masConfig: MasConfigFacts = {
    origin: 'test',
    publicBase: `${urls.mas}/`,
    providers: [
      {
        id: SEED_MAS_PROVIDER_ID,
        enabled: true,
        issuer: `${urls.authentik}/application/o/matrix/`,
        client_id: SEED_CLIENT_ID,
        client_secret: new Secret(SEED_CLIENT_SECRET),
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        scope: 'openid profile email',
        discovery_mode: 'insecure', // the sandbox speaks http
        fetch_userinfo: false,
        claims_imports: { localpart: { action: 'require', template: '{{ user.preferred_username }}' } },
        ...masOver(urls),
      },
    ],
    matrix: { homeserver: 'example.org' },
    adminApiEnabled: false,
    raw: {},
  };
  const earlier: SnapshotPart = { masConfig: { status: 'ok', ms: 1, data: masConfig } };
  const ctx = {
    config: {
      authentik: { url: urls.authentik, token: { value: stack.services.authentik!.info().api_token! } },
      timeouts: { default: 5000 },
      concurrency: 8,
    } as SsochainConfig,
    secret: async (ref: unknown) => new Secret((ref as { value: string }).value),
    fetch,
    timeoutMs: 5000,
    ...(user ? { user } : {}),
  };
  const [a, d] = await Promise.all([
    authentikSource.collect(ctx, earlier),
    discoverySource.collect(ctx, earlier),
  ]);
  const snap: ChainSnapshot = {
    schemaVersion: 1,
    takenAt: new Date().toISOString(),
    ...(user ? { user } : {}),
    authentik: a.authentik!,
    discovery: d.discovery!,
    masConfig: earlier.masConfig!,
    masAdmin: { status: 'skipped', reason: 'not in this test' },
    masRuntime: { status: 'skipped', reason: 'not in this test' },
    synapse: { status: 'skipped', reason: 'not in this test' },
    logs: [],
  };
  const { findings, errors } = runChainChecks(snap, [...authentikChecks, ...oidcChecks, ...mappingChecks]);
  expect(errors).toEqual([]);
  const text = JSON.stringify(findings);
  expect(text).not.toContain(SEED_CLIENT_SECRET);
  return findings.map((f) => [f.code, f.subject]);
}

describe('sources + checks against the Authentik emulator', () => {
  it('the seed, as MAS is configured for it, is healthy', async () => {
    expect(await diagnose([], () => ({}), 'boje')).toEqual([]);
    // importing the email: Authentik's default email mapping says email_verified false (info)
    await stack?.close();
    const withEmail = await diagnose(
      [],
      () => ({
        claims_imports: {
          localpart: { action: 'require', template: '{{ user.preferred_username }}' },
          email: { action: 'suggest' },
        },
      }),
      'boje',
    );
    expect(withEmail).toEqual([['authentik-email-unverified', 'user/boje']]);
  });

  it('no signing key', async () => {
    expect(
      await diagnose(['authentik:', '  providers:', '    matrix-provider: {signing_key: null}']),
    ).toEqual([
      ['authentik-no-signing-key', 'provider/matrix-provider'],
      ['oidc-jwks-invalid', `provider/${SEED_MAS_PROVIDER_ID}`],
      ['oidc-alg-unsupported', `provider/${SEED_MAS_PROVIDER_ID}`],
    ]);
  });

  it('the issuer without its trailing slash, a wrong secret', async () => {
    const findings = await diagnose([], (urls) => ({
      issuer: `${urls.authentik}/application/o/matrix`,
      client_secret: new Secret('not-the-secret'),
    }));
    expect(findings).toEqual([
      ['authentik-client-secret-mismatch', 'provider/matrix-provider'],
      ['oidc-issuer-mismatch', `provider/${SEED_MAS_PROVIDER_ID}`],
    ]);
  });

  it('an enrollment flow that creates inactive users, and the user it created', async () => {
    const findings = await diagnose(
      [
        'authentik:',
        '  users:',
        '    boje: {is_active: false}',
        '  stages:',
        '    default-enrollment-user-write: {create_users_as_inactive: true}',
      ],
      () => ({}),
    );
    expect(findings).toEqual([
      ['authentik-enrollment-flow-broken', 'flow/default-enrollment-flow'],
      ['authentik-user-inactive', 'user/boje'],
    ]);
  });

  it('no profile scope on the provider; the localpart cannot be rendered for the sampled user', async () => {
    const findings = await diagnose([
      'authentik:',
      '  providers:',
      '    matrix-provider:',
      '      property_mappings: [goauthentik.io/providers/oauth2/scope-openid, goauthentik.io/providers/oauth2/scope-email]',
    ]);
    expect(findings).toEqual([
      ['authentik-scope-mapping-missing', 'provider/matrix-provider'],
      ['mapping-claim-missing', 'user/boje'],
    ]);
  });

  it('the redirect URI registered for another provider id; a policy that denies the user in focus', async () => {
    const findings = await diagnose(
      [
        'authentik:',
        '  providers:',
        '    matrix-provider:',
        '      redirect_uris: ["${MAS_URL}/upstream/callback/01HFRQFT5QFMJFGF01P7JAV2ME"]',
        '  applications:',
        '    matrix:',
        '      policies: [{group: "authentik Admins"}]',
      ],
      () => ({}),
      'boje',
    );
    expect(findings).toEqual([
      ['authentik-redirect-uri-missing', 'provider/matrix-provider'],
      ['authentik-access-denied', 'user/boje'],
    ]);
  });
});
