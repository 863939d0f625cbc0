import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SsochainConfig } from '../config/schema.js';
import { SEED_CLIENT_ID, SEED_MAS_PROVIDER_ID } from '../sandbox/authentik/index.js';
import { EMULATORS } from '../sandbox/registry.js';
import { startStack, type Stack } from '../sandbox/stack.js';
import { Secret } from '../snapshot/secret.js';
import type { DiscoveryFacts, Fetched, MasConfigFacts, MasProviderFacts } from '../snapshot/types.js';
import { discoverySource, discoveryUrl } from './discovery.js';
import type { FetchLike } from './http.js';
import type { SnapshotPart, SourceContext } from './source.js';

let stack: Stack | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  await stack?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  stack = undefined;
  server = undefined;
});

async function start(yaml: string[] = []): Promise<Stack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-disc-'));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    ['name: discovery-source', ...yaml, 'expect: {brokenLink: null, findings: []}'].join('\n'),
  );
  stack = await startStack({ scenarioFile: file, emulators: { authentik: EMULATORS.authentik! } });
  return stack;
}

/** A fetch that records every URL it is asked for. */
function recording(): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  }) as FetchLike;
  return Object.assign(f, { urls });
}

function ctx(f: FetchLike = fetch, timeoutMs = 3000): SourceContext {
  return {
    config: { timeouts: { default: timeoutMs }, concurrency: 8 } as SsochainConfig,
    secret: async () => new Secret('unused'),
    fetch: f,
    timeoutMs,
  };
}

function mas(over: Partial<MasProviderFacts>, raw: Record<string, unknown> = {}): SnapshotPart {
  const provider: MasProviderFacts = {
    id: SEED_MAS_PROVIDER_ID,
    enabled: true,
    client_id: SEED_CLIENT_ID,
    id_token_signed_response_alg: 'RS256',
    scope: 'openid profile email',
    discovery_mode: 'oidc',
    fetch_userinfo: false,
    claims_imports: {},
    ...over,
  };
  const data: MasConfigFacts = {
    origin: 'test',
    providers: [provider],
    matrix: {},
    adminApiEnabled: false,
    raw,
  };
  return { masConfig: { status: 'ok', ms: 1, data } };
}

function one(part: SnapshotPart): Fetched<DiscoveryFacts> {
  return part.discovery![SEED_MAS_PROVIDER_ID]!;
}

describe('discoveryUrl, as MAS builds it', () => {
  it.each([
    [
      'https://auth.example.org/application/o/matrix/',
      'https://auth.example.org/application/o/matrix/.well-known/openid-configuration',
    ],
    [
      'https://auth.example.org/application/o/matrix',
      'https://auth.example.org/application/o/matrix/.well-known/openid-configuration',
    ],
    ['https://auth.example.org', 'https://auth.example.org/.well-known/openid-configuration'],
    ['https://AUTH.example.org:443/x?q=1#f', 'https://auth.example.org/x/.well-known/openid-configuration'],
  ])('%s', (issuer, url) => {
    expect(discoveryUrl(issuer)).toBe(url);
  });
  it('an issuer that is no URL has none', () => {
    expect(discoveryUrl('auth.example.org/application/o/matrix/')).toBeUndefined();
  });
});

describe('discovery source against the emulator', () => {
  it('a trailing-slash-less issuer is fetched at the URL MAS would use, with its JWKS', async () => {
    const s = await start();
    const f = recording();
    const part = await discoverySource.collect(
      ctx(f),
      mas({ issuer: `${s.urls.authentik}/application/o/matrix` }),
    );
    const d = one(part);
    if (d.status !== 'ok') throw new Error(JSON.stringify(d));
    expect(f.urls[0]).toBe(`${s.urls.authentik}/application/o/matrix/.well-known/openid-configuration`);
    expect(d.data.url).toBe(f.urls[0]);
    // the document carries Authentik's issuer, with the slash MAS's config lacks
    expect(d.data.document.issuer).toBe(`${s.urls.authentik}/application/o/matrix/`);
    expect(d.data.redirects).toBeUndefined();
    expect(d.data.jwks).toMatchObject({
      status: 'ok',
      data: { url: `${s.urls.authentik}/application/o/matrix/jwks/` },
    });
    const body = (d.data.jwks as { data: { body: { keys: { kty: string }[] } } }).data.body;
    expect(body.keys.map((k) => k.kty)).toEqual(['RSA']);
  });

  it('records the raw JWKS of a provider without a signing key', async () => {
    const s = await start(['authentik:', '  providers:', '    matrix-provider: {signing_key: null}']);
    const d = one(
      await discoverySource.collect(ctx(), mas({ issuer: `${s.urls.authentik}/application/o/matrix/` })),
    );
    expect(d).toMatchObject({
      status: 'ok',
      data: {
        document: { id_token_signing_alg_values_supported: ['HS256'] },
        jwks: { status: 'ok', data: { body: { keys: [] } } },
      },
    });
  });

  it('a wrong slug is an HTTP 404 in words', async () => {
    const s = await start();
    const d = one(
      await discoverySource.collect(ctx(), mas({ issuer: `${s.urls.authentik}/application/o/nope/` })),
    );
    expect(d).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 404 } });
    expect((d as { error: { message: string } }).error.message).toMatch(
      /^The discovery document at http:\/\/127\.0\.0\.1:\d+\/application\/o\/nope\/\.well-known\/openid-configuration answered HTTP 404$/,
    );
  });

  it.each([
    [{ status: 500 }, 'error', 'ERR_SOURCE_HTTP_STATUS', /answered HTTP 500/],
    [{ reset: true }, 'unreachable', 'ERR_SOURCE_CONNECT', /closed the connection/],
    [{ malformed: true }, 'error', 'ERR_SOURCE_NOT_JSON', /is not JSON/],
  ])('fault %j on oidc-discovery', async (fault, status, code, words) => {
    const s = await start();
    s.setFaults('authentik', { 'oidc-discovery': fault });
    const d = one(
      await discoverySource.collect(ctx(), mas({ issuer: `${s.urls.authentik}/application/o/matrix/` })),
    );
    expect(d).toMatchObject({ status, error: { code } });
    expect((d as { error: { message: string } }).error.message).toMatch(words);
  });

  it('a JWKS fault is recorded on the JWKS, the document still is', async () => {
    const s = await start();
    s.setFaults('authentik', { 'oidc-jwks': { status: 503 } });
    const d = one(
      await discoverySource.collect(ctx(), mas({ issuer: `${s.urls.authentik}/application/o/matrix/` })),
    );
    expect(d).toMatchObject({
      status: 'ok',
      data: { jwks: { status: 'error', error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 503 } } },
    });
  });

  it("uses the provider's jwks_uri override from the MAS config", async () => {
    const s = await start();
    const f = recording();
    const raw = {
      upstream_oauth2: {
        providers: [{ id: SEED_MAS_PROVIDER_ID, jwks_uri: `${s.urls.authentik}/application/o/other/jwks/` }],
      },
    };
    const d = one(
      await discoverySource.collect(
        ctx(f),
        mas({ issuer: `${s.urls.authentik}/application/o/matrix/` }, raw),
      ),
    );
    expect(f.urls[1]).toBe(`${s.urls.authentik}/application/o/other/jwks/`);
    expect(d).toMatchObject({ status: 'ok', data: { jwks: { status: 'error', error: { status: 404 } } } });
  });

  it('follows redirects like MAS and records each hop', async () => {
    const s = await start();
    server = http.createServer((req, res) => {
      res.writeHead(302, {
        location: `${s.urls.authentik}/application/o/matrix/.well-known/openid-configuration`,
      });
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const d = one(await discoverySource.collect(ctx(), mas({ issuer: `http://127.0.0.1:${port}/idp/` })));
    expect(d).toMatchObject({
      status: 'ok',
      data: {
        url: `http://127.0.0.1:${port}/idp/.well-known/openid-configuration`,
        redirects: [`${s.urls.authentik}/application/o/matrix/.well-known/openid-configuration`],
        document: { issuer: `${s.urls.authentik}/application/o/matrix/` },
      },
    });
  });
});

describe('discovery failures in words', () => {
  it('a private CA: the TLS failure says MAS needs the CA too', async () => {
    const tls: FetchLike = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('self-signed certificate in certificate chain'), {
          code: 'SELF_SIGNED_CERT_IN_CHAIN',
        }),
      });
    };
    const d = one(
      await discoverySource.collect(ctx(tls), mas({ issuer: 'https://auth.internal/application/o/matrix/' })),
    );
    expect(d).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_TLS' } });
    const message = (d as { error: { message: string } }).error.message;
    expect(message).toContain('is not trusted (SELF_SIGNED_CERT_IN_CHAIN)');
    expect(message).toContain('MAS verifies TLS with the trust store of its own container');
  });

  it('a name that does not resolve', async () => {
    const dns: FetchLike = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      });
    };
    const d = one(
      await discoverySource.collect(ctx(dns), mas({ issuer: 'https://auth.nowhere/application/o/m/' })),
    );
    expect(d).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_DNS' } });
    expect((d as { error: { message: string } }).error.message).toContain('auth.nowhere does not resolve');
  });

  it('skips what MAS does not discover, and says why', async () => {
    const part = await discoverySource.collect(ctx(), {
      masConfig: {
        status: 'ok',
        ms: 1,
        data: {
          origin: 't',
          matrix: {},
          adminApiEnabled: false,
          raw: {},
          providers: [
            {
              ...(mas({}).masConfig as { data: MasConfigFacts }).data.providers[0]!,
              id: 'A',
              enabled: false,
            },
            {
              ...(mas({}).masConfig as { data: MasConfigFacts }).data.providers[0]!,
              id: 'B',
              discovery_mode: 'disabled',
            },
            { ...(mas({}).masConfig as { data: MasConfigFacts }).data.providers[0]!, id: 'C' },
            {
              ...(mas({}).masConfig as { data: MasConfigFacts }).data.providers[0]!,
              id: 'D',
              issuer: 'not a url',
            },
          ],
        },
      },
    });
    expect(part.discovery).toEqual({
      A: { status: 'skipped', reason: 'the provider is disabled in the MAS config' },
      B: {
        status: 'skipped',
        reason: 'discovery_mode is disabled; MAS uses the endpoints set in its config',
      },
      C: { status: 'skipped', reason: 'the MAS provider has no issuer, so MAS cannot discover it' },
      D: {
        status: 'error',
        ms: 0,
        error: {
          code: 'ERR_SOURCE_INVALID',
          message: 'The MAS issuer "not a url" is not a URL, so MAS cannot build a discovery URL from it',
        },
      },
    });
    expect(await discoverySource.collect(ctx(), {})).toEqual({ discovery: {} });
  });
});
