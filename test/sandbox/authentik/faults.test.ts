import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENDPOINT_GROUPS, SEED_CLIENT_ID } from '../../../src/sandbox/authentik/index.js';
import { EMULATORS } from '../../../src/sandbox/registry.js';
import { startStack, type Stack } from '../../../src/sandbox/stack.js';
import { startAuthentik, type Running } from './helpers.js';

/** Fault knobs per endpoint group, applied by the sandbox Router (docs/sandbox-authentik.md). */

let run: Running | undefined;
let stack: Stack | undefined;
afterEach(async () => {
  await run?.close();
  await stack?.close();
  run = stack = undefined;
});

/** one request per group, so every group can be shown to carry faults */
const PROBES: Record<(typeof ENDPOINT_GROUPS)[number], { method?: string; path: string }> = {
  api: { path: '/api/v3/admin/version/' },
  executor: { path: '/api/v3/flows/executor/default-authentication-flow/?query=' },
  'flow-interface': { path: '/if/flow/default-authentication-flow/' },
  'oidc-discovery': { path: '/application/o/matrix/.well-known/openid-configuration' },
  'oidc-jwks': { path: '/application/o/matrix/jwks/' },
  'oidc-authorize': { path: `/application/o/authorize/?client_id=${SEED_CLIENT_ID}` },
  'oidc-token': { method: 'POST', path: '/application/o/token/' },
  'oidc-userinfo': { path: '/application/o/userinfo/' },
  'oidc-end-session': { path: '/application/o/matrix/end-session/' },
};

const probe = (r: Running, group: keyof typeof PROBES) =>
  fetch(`${r.url}${PROBES[group].path}`, {
    method: PROBES[group].method ?? 'GET',
    redirect: 'manual',
    headers: { authorization: `Bearer ${r.token}` },
  });

describe('fault injection per endpoint group', () => {
  it('malformed reaches every group the emulator defines', async () => {
    run = await startAuthentik();
    expect(Object.keys(PROBES).sort()).toEqual([...ENDPOINT_GROUPS].sort());
    for (const group of ENDPOINT_GROUPS) {
      run.instance.router.faults = { [group]: { malformed: true } };
      const res = await probe(run, group);
      expect(res.status, group).toBe(200);
      expect(await res.text(), group).toBe('{"truncated": tr');
      // the other groups are untouched
      const other = ENDPOINT_GROUPS.find((g) => g !== group)!;
      expect(await (await probe(run, other)).text()).not.toBe('{"truncated": tr');
    }
  });

  it('status on the token endpoint, reset on JWKS, latency on discovery, slow body on the API', async () => {
    run = await startAuthentik();
    run.instance.router.faults = {
      'oidc-token': { status: 503 },
      'oidc-jwks': { reset: true },
      'oidc-discovery': { latencyMs: 300 },
      api: { slowBodyMs: 300 },
    };
    const token = await probe(run, 'oidc-token');
    expect(token.status).toBe(503);
    expect(await token.json()).toEqual({ detail: 'injected fault: 503' });
    await expect(probe(run, 'oidc-jwks')).rejects.toThrow();
    let t = Date.now();
    const disc = await probe(run, 'oidc-discovery');
    expect(disc.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    t = Date.now();
    const slow = await probe(run, 'api');
    const body = (await slow.json()) as { version_current: string };
    expect(body.version_current).toBe('2026.8.3');
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
  });

  it('runs in the stack from a scenario file with faults and ${MAS_URL}, through the registry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-ak-'));
    const file = path.join(dir, 'no-key.yaml');
    writeFileSync(
      file,
      [
        'name: no-key',
        'authentik:',
        '  providers:',
        '    matrix-provider:',
        '      signing_key: null',
        '      redirect_uris:',
        '        - {matching_mode: regex, url: "${MAS_URL}/upstream/callback/.*"}',
        'faults:',
        '  authentik:',
        '    oidc-userinfo: {status: 500}',
        'expect: {brokenLink: oidc, findings: []}',
      ].join('\n'),
    );
    stack = await startStack({ scenarioFile: file, emulators: { authentik: EMULATORS.authentik! } });
    const url = stack.urls.authentik;
    const disc = (await (
      await fetch(`${url}/application/o/matrix/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(disc.id_token_signing_alg_values_supported).toEqual(['HS256']);
    expect(disc.issuer).toBe(`${url}/application/o/matrix/`);
    const provider = (await (
      await fetch(`${url}/api/v3/providers/oauth2/1/`, {
        headers: { authorization: 'Bearer ssochain-sandbox-authentik-api-token' },
      })
    ).json()) as { redirect_uris: { url: string }[] };
    expect(provider.redirect_uris[0]!.url).toBe(`${stack.urls.mas}/upstream/callback/.*`);
    expect((await fetch(`${url}/application/o/userinfo/`)).status).toBe(500);
    expect(stack.services.authentik!.info()).toMatchObject({
      'matrix.issuer': `${url}/application/o/matrix/`,
      'matrix.client_id': 'ssochain-sandbox-matrix',
    });
  });

  it('a bad section is one clear error naming the path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-ak-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'name: bad\nauthentik:\n  providers:\n    matrix-provider:\n      signing_key: no-such-key\nexpect: {brokenLink: null}\n',
    );
    await expect(
      startStack({ scenarioFile: file, emulators: { authentik: EMULATORS.authentik! } }),
    ).rejects.toThrow(
      /authentik\.providers\.matrix-provider\.signing_key: unknown certificate 'no-such-key'/,
    );
  });
});
