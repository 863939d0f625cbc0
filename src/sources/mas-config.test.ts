import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { isSecret } from '../snapshot/secret.js';
import type { MasConfigFacts } from '../snapshot/types.js';
import { masConfigSource, mergeConfigs, redactConfig } from './mas-config.js';
import type { SourceContext } from './source.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-mas-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CANARY = {
  client: 'canary-provider-secret-71c2',
  matrix: 'canary-matrix-secret-0a9e',
  encryption: 'canary-encryption-4f4f4f4f4f4f4f4f',
};
const PROVIDER = '01KQDJTR1ZVTG8JQ220F5BNBFZ';

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function context(masConfig: unknown): SourceContext {
  return {
    config: ConfigSchema.parse({ mas: { url: 'https://account.example.org', config: masConfig } }),
    secret: async () => {
      throw new Error('not used');
    },
    fetch: async () => {
      throw new Error('mas-config does no network I/O');
    },
    timeoutMs: 1000,
  };
}

async function collect(masConfig: unknown) {
  return masConfigSource.collect(context(masConfig), {});
}

function ok(part: Awaited<ReturnType<typeof collect>>): MasConfigFacts {
  const m = part.masConfig;
  if (m?.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(m)}`);
  return m.data;
}

const WHOLE = `http:
  public_base: https://account.example.org
  listeners:
    - name: web
      resources: [{ name: discovery }, { name: oauth }, { name: adminapi }]
matrix:
  homeserver: example.org
  endpoint: http://synapse:8008
  secret: ${CANARY.matrix}
secrets:
  encryption: ${CANARY.encryption}
clients:
  - client_id: 01KQDJVZ7A0000000000000ADM
    client_auth_method: client_secret_basic
    client_secret: canary-admin-client-secret
policy:
  data:
    admin_clients: [01KQDJVZ7A0000000000000ADM]
upstream_oauth2:
  providers:
    - id: ${PROVIDER}
      issuer: https://auth.example.org/application/o/matrix/
      client_id: matrix
      client_secret: ${CANARY.client}
      token_endpoint_auth_method: client_secret_basic
      claims_imports:
        localpart: { action: require, template: "{{ user.preferred_username }}" }
`;

describe('masConfigSource', () => {
  it('is the first-wave source named mas-config', () => {
    expect(masConfigSource.name).toBe('mas-config');
    expect(masConfigSource.wave).toBe(1);
  });

  it('reads a whole config: MAS defaults applied, secrets as Secret, raw redacted', async () => {
    const file = write('whole.yaml', WHOLE);
    const part = await collect({ file });
    const facts = ok(part);
    expect(facts.origin).toBe(file);
    expect(facts.publicBase).toBe('https://account.example.org/');
    expect(facts.issuer).toBe('https://account.example.org/');
    expect(facts.adminApiEnabled).toBe(true);
    expect(facts.clientIds).toEqual(['01KQDJVZ7A0000000000000ADM']);
    expect(facts.adminClients).toEqual(['01KQDJVZ7A0000000000000ADM']);
    expect(facts.passwordsEnabled).toBe(true);
    expect(facts.matrix).toMatchObject({
      homeserver: 'example.org',
      endpoint: 'http://synapse:8008/',
      kind: 'synapse',
    });
    expect(isSecret(facts.matrix.secret)).toBe(true);
    const [p] = facts.providers;
    expect(p).toMatchObject({
      id: PROVIDER,
      enabled: true,
      issuer: 'https://auth.example.org/application/o/matrix/',
      client_id: 'matrix',
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      scope: 'openid',
      discovery_mode: 'oidc',
      fetch_userinfo: false,
    });
    expect(isSecret(p!.client_secret)).toBe(true);
    expect((facts.raw.matrix as Record<string, unknown>).secret).toBe('<redacted>');
    // the whole `secrets` section is credentials
    expect(facts.raw.secrets).toBe('<redacted>');
    expect(part.configViews).toHaveLength(1);
    const json = JSON.stringify(part.masConfig);
    for (const canary of [...Object.values(CANARY), 'canary-admin-client-secret'])
      expect(json).not.toContain(canary);
  });

  it("applies MAS's defaults when sections are missing", async () => {
    const file = write(
      'bare.yaml',
      `matrix:\n  secret: x1234\nsecrets:\n  encryption: y\nupstream_oauth2:\n  providers:\n    - id: ${PROVIDER}\n      client_id: c\n      token_endpoint_auth_method: none\n      enabled: false\n      scope: openid profile\n`,
    );
    const facts = ok(await collect({ file }));
    expect(facts.publicBase).toBe('http://[::]:8080/');
    expect(facts.issuer).toBe('http://[::]:8080/');
    expect(facts.adminApiEnabled).toBe(false);
    expect(facts.matrix).toMatchObject({
      homeserver: 'localhost:8008',
      endpoint: 'http://localhost:8008/',
      kind: 'synapse',
    });
    expect(facts.providers[0]).toMatchObject({ enabled: false, scope: 'openid profile' });
  });

  it('keeps http.issuer apart from public_base, and no public_base when http lacks it', async () => {
    const withIssuer = ok(
      await collect({
        file: write(
          'issuer.yaml',
          'http:\n  public_base: https://a.example/auth/\n  issuer: https://a.example\n',
        ),
      }),
    );
    expect(withIssuer.publicBase).toBe('https://a.example/auth/');
    expect(withIssuer.issuer).toBe('https://a.example/');
    const noBase = ok(await collect({ file: write('nobase.yaml', 'http:\n  listeners: []\nmatrix: {}\n') }));
    expect(noBase.publicBase).toBeUndefined();
    expect(noBase.issuer).toBeUndefined();
  });

  it('merges ESS additional entries in the chart order and adds what the chart sets', async () => {
    const first = `upstream_oauth2:\n  providers:\n    - id: ${PROVIDER}\n      client_id: first\n      token_endpoint_auth_method: none\npasswords:\n  enabled: true\n`;
    const second = `upstream_oauth2:\n  providers:\n    - id: 01KQDJTR1ZVTG8JQ220F5BNBF0\n      client_id: second\n      token_endpoint_auth_method: none\npasswords:\n  enabled: false\n`;
    const indent = (t: string) =>
      t
        .trimEnd()
        .split('\n')
        .map((l) => `        ${l}`)
        .join('\n');
    const file = write(
      'values.yaml',
      `serverName: example.org\nmatrixAuthenticationService:\n  ingress:\n    host: account.example.org\n  additional:\n    b-second:\n      config: |\n${indent(second)}\n    a-first:\n      config: |\n${indent(first)}\n`,
    );
    const facts = ok(await collect({ file }));
    // lists append (a-first before b-second), scalars replace (b-second wins)
    expect(facts.providers.map((p) => p.client_id)).toEqual(['first', 'second']);
    expect(facts.passwordsEnabled).toBe(false);
    expect(facts.publicBase).toBe('https://account.example.org/');
    expect(facts.matrix.homeserver).toBe('example.org');
    expect(facts.matrix.kind).toBe('synapse_modern');
    expect(facts.adminApiEnabled).toBe(true);
    expect(facts.origin).toMatch(/3 parts merged/);
  });

  it('decrypts a SOPS file in memory with the given age key (the seed ESS values Secret)', async () => {
    const facts = ok(
      await collect({
        sopsFile: 'test/fixtures/sops/seed-values-secret.sops.yaml',
        ageKeyFile: 'test/fixtures/sops/test-age-key.txt',
      }),
    );
    expect(facts.publicBase).toBe('https://account.axion1337.chat/');
    expect(facts.matrix.homeserver).toBe('axion1337.chat');
    // the seed's Synapse-style keys give MAS no provider at all
    expect(facts.providers).toEqual([]);
    const raw = facts.raw.upstream_oauth2_config as Record<string, unknown>;
    expect(raw.client_secret).toBe('<redacted>');
    expect(JSON.stringify(facts)).not.toContain('example-client-secret-not-real');
  });

  it('reports what went wrong as a sentence, never a throw', async () => {
    const noKey = await collect({ sopsFile: 'test/fixtures/sops/seed-values-secret.sops.yaml' });
    expect(noKey.masConfig).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_CONFIG' } });
    expect((noKey.masConfig as { error: { message: string } }).error.message).toMatch(/sops-not-checked/);

    const missing = await collect({ file: path.join(dir, 'absent.yaml') });
    expect(missing.masConfig).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_CONFIG' } });
    expect((missing.masConfig as { error: { message: string } }).error.message).toMatch(/no such file/);

    const garbage = await collect({ file: write('garbage.yaml', 'http: [unclosed\n  : :') });
    expect(garbage.masConfig?.status).toBe('error');

    const synapseOnly = await collect({
      file: write('hs.yaml', 'server_name: example.org\npublic_baseurl: x\n'),
    });
    expect((synapseOnly.masConfig as { error: { message: string } }).error.message).toMatch(
      /holds no MAS configuration \(found: synapse\)/,
    );

    const kube = await collect({ kubernetesSecret: { namespace: 'ess', name: 'mas', key: 'config.yaml' } });
    expect((kube.masConfig as { error: { message: string } }).error.message).toMatch(
      /no Kubernetes cluster is configured/,
    );
  });

  it('is skipped when ssochain.yaml names no MAS config', async () => {
    const part = await masConfigSource.collect(
      { ...context({ file: 'x' }), config: ConfigSchema.parse({ mas: { url: 'https://a.example' } }) },
      {},
    );
    expect(part.masConfig).toMatchObject({ status: 'skipped' });
  });
});

describe('mergeConfigs and redactConfig', () => {
  it('merges maps deeply, appends lists, replaces scalars', () => {
    expect(mergeConfigs({ a: { b: 1, c: [1] }, d: 'x' }, { a: { c: [2], e: 3 }, d: 'y' })).toEqual({
      a: { b: 1, c: [1, 2], e: 3 },
      d: 'y',
    });
  });

  it('redacts credential values at any depth, keeps the rest', () => {
    expect(
      redactConfig({
        database: { uri: 'postgresql://u:p@h/db' },
        upstream_oauth2: { providers: [{ client_secret: 's', client_secret_file: '/f', client_id: 'c' }] },
      }),
    ).toEqual({
      database: { uri: '<redacted>' },
      upstream_oauth2: {
        providers: [{ client_secret: '<redacted>', client_secret_file: '/f', client_id: 'c' }],
      },
    });
  });
});
