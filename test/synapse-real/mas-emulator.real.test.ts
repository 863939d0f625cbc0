import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Router, type RunningServer } from '../../src/sandbox/http/server.js';
import { SandboxLog } from '../../src/sandbox/log.js';
import { createMas, MasSectionSchema, type MasEmulatorInstance } from '../../src/sandbox/mas/index.js';
import { SANDBOX_MAS_SHARED_SECRET } from '../../src/sandbox/synapse/index.js';
import { startRealSynapse, type RealSynapse } from './real-synapse.js';

// Real Synapse 1.160 pointed at the sandbox's MAS emulator (src/sandbox/mas): what the two say
// to each other. The contract suite itself keeps its MAS stand-in, because it needs introspection
// answers (malformed, failing, expired, arbitrary scopes) that a faithful MAS never gives.
let masServer: RunningServer;
let mas: MasEmulatorInstance;
let synapse: RealSynapse;

async function adminToken(): Promise<string> {
  const client = mas.adminClient();
  if (!('clientId' in client)) throw new Error(client.reason);
  const res = await fetch(`${masServer.url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=urn:mas:admin',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  const ref: { router?: Router } = {};
  masServer = await listen((req, res) => ref.router!.listener(req, res));
  synapse = await startRealSynapse({
    name: 'mas-emulator',
    masUrl: `${masServer.url}/`,
    secret: SANDBOX_MAS_SHARED_SECRET,
  });
  mas = await createMas(MasSectionSchema.parse({ defaults: { matrixSecret: SANDBOX_MAS_SHARED_SECRET } }), {
    urls: { authentik: 'http://127.0.0.1:9', mas: masServer.url, synapse: synapse.baseUrl },
    log: new SandboxLog(),
    scenarioDir: process.cwd(),
  });
  ref.router = mas.router;
});

afterAll(async () => {
  await synapse?.stop();
  await mas?.close?.();
  await masServer?.close();
});

describe('real Synapse with the MAS emulator', () => {
  it("serves the MAS emulator's issuer and metadata (Synapse accepts its discovery document)", async () => {
    const discovery = (await (
      await fetch(`${masServer.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    const wk = await (await fetch(`${synapse.baseUrl}/.well-known/matrix/client`)).json();
    expect(wk).toMatchObject({
      'org.matrix.msc2965.authentication': {
        issuer: discovery.issuer,
        account: discovery.account_management_uri,
      },
    });
    const md = await (await fetch(`${synapse.baseUrl}/_matrix/client/v1/auth_metadata`)).json();
    expect(md).toEqual(discovery);
  });

  it('introspects at the MAS emulator with the shared secret', async () => {
    const token = await adminToken();
    // a urn:mas:admin token is active but grants no client API access
    const r = await fetch(`${synapse.baseUrl}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      errcode: 'M_UNKNOWN_TOKEN',
      error: "Token doesn't grant access to the Matrix C-S API",
      soft_logout: false,
    });
    const unknown = await fetch(`${synapse.baseUrl}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: 'Bearer mat_not_a_token' },
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: 'Token is not active' });
  });

  it('is provisioned by the MAS emulator (admin API createUser) and blocks Synapse-only localparts', async () => {
    const token = await adminToken();
    const create = (username: string) =>
      fetch(`${masServer.url}/api/admin/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username, displayname: 'From MAS' }),
      });
    expect((await create('boje')).status).toBe(201);
    const q = await fetch(`${synapse.baseUrl}/_synapse/mas/query_user?localpart=boje`, {
      headers: { authorization: `Bearer ${SANDBOX_MAS_SHARED_SECRET}` },
    });
    expect(q.status).toBe(200);
    expect(await q.json()).toMatchObject({ user_id: '@boje:sandbox.local', is_deactivated: false });
    // an account that exists only in Synapse
    const orphan = await fetch(`${synapse.baseUrl}/_synapse/mas/provision_user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_MAS_SHARED_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localpart: 'akadmin' }),
    });
    expect(orphan.status).toBe(201);
    const clash = await create('akadmin');
    expect(clash.status).toBe(409);
  });
});
