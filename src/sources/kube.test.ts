import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { kubeSecretReader } from './kube.js';
import { createMasConfigSource } from './mas-config.js';
import { resolveSecretRef } from './secrets.js';
import type { SourceContext } from './source.js';

/** A Kubernetes API server on loopback that knows a few Secrets and refuses one namespace. */
let server: http.Server;
let kubeconfig: string;
const VALUES = `matrixAuthenticationService:
  additional:
    authentik:
      config: |
        upstream_oauth2_config:
          issuer: https://auth.example.org/application/o/matrix/
          client_id: matrix
`;
const SECRETS: Record<string, Record<string, string>> = {
  'matrix/mas-shared': { secret: 'kube-held-shared-secret-77c1\n' },
  'matrix/ess-mas-values-secret': { 'values.yaml': VALUES },
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/?]+)/.exec(req.url ?? '');
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!m) return send(404, { kind: 'Status', code: 404 });
    if (m[1] === 'locked') return send(403, { kind: 'Status', code: 403, reason: 'Forbidden' });
    const data = SECRETS[`${m[1]}/${m[2]}`];
    if (!data) return send(404, { kind: 'Status', code: 404, reason: 'NotFound' });
    send(200, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: m[2], namespace: m[1] },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'ssochain-kube-')), 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: test, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: test, user: { token: test-token } }]
contexts: [{ name: test, context: { cluster: test, user: test } }]
current-context: test
`,
  );
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Kubernetes Secrets through the official client', () => {
  it('resolves a secret reference, trimmed, as a Secret', async () => {
    const secret = await resolveSecretRef(
      { kubernetesSecret: { namespace: 'matrix', name: 'mas-shared', key: 'secret' } },
      { env: { KUBECONFIG: kubeconfig }, readKubeSecret: kubeSecretReader({ KUBECONFIG: kubeconfig }) },
      'synapse.sharedSecret',
    );
    expect(secret.reveal()).toBe('kube-held-shared-secret-77c1');
    expect(String(secret)).toBe('<redacted>');
  });

  it('names what is wrong in one sentence: missing Secret, missing key, forbidden', async () => {
    const read = kubeSecretReader({ KUBECONFIG: kubeconfig });
    await expect(read('matrix', 'nope', 'x')).rejects.toThrow(
      'the Kubernetes Secret matrix/nope does not exist',
    );
    await expect(read('matrix', 'mas-shared', 'other')).rejects.toThrow('has no key other (it has: secret)');
    await expect(read('locked', 'mas-shared', 'secret')).rejects.toThrow(
      /forbidden: the Kubernetes user needs "get" on secrets in locked/,
    );
  });

  it('reads the MAS config from the values Secret Flux feeds to the HelmRelease', async () => {
    const source = createMasConfigSource({ readKubeSecret: kubeSecretReader({ KUBECONFIG: kubeconfig }) });
    const config = ConfigSchema.parse({
      mas: {
        url: 'https://account.example.org',
        config: { kubernetesSecret: { namespace: 'matrix', name: 'ess-mas-values-secret' } },
      },
    });
    const part = await source.collect({ config } as SourceContext, {});
    expect(part.configViews?.map((v) => v.kind)).toEqual(['ess-values', 'mas']);
    expect(part.configViews?.[1]?.file).toBe('secret/matrix/ess-mas-values-secret#values.yaml');
  });
});
