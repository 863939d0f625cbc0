import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema } from '../config/schema.js';
import { listen, type RunningServer } from '../sandbox/http/server.js';
import { defaultConfigText, MasSectionSchema } from '../sandbox/mas/scenario.js';
import { startStack, type Stack } from '../sandbox/stack.js';
import { Secret } from '../snapshot/secret.js';
import type { MasConfigFacts, SynapseFacts } from '../snapshot/types.js';
import { masConfigFacts } from './mas-config.js';
import type { SnapshotPart, SourceContext } from './source.js';
import { createSynapseSource, synapseSource, wellKnownBase } from './synapse.js';

const PROVIDER = '01KQDJTR1ZVTG8JQ220F5BNBFZ';
const CANARY = 'canary-shared-secret-2b7c';

let dir: string;
const stacks: Stack[] = [];
const servers: RunningServer[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ssochain-synapse-source-'));
});
afterEach(async () => {
  await Promise.all([...stacks.splice(0).map((s) => s.close()), ...servers.splice(0).map((s) => s.close())]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Options {
  synapse: string;
  mas?: string;
  admin?: { clientId: string; secret: string };
  sharedSecret?: string;
  adminToken?: string;
  serverName?: string;
  user?: string;
}

function context(o: Options): SourceContext {
  return {
    config: ConfigSchema.parse({
      ...(o.mas
        ? {
            mas: {
              url: o.mas,
              ...(o.admin
                ? { admin: { clientId: o.admin.clientId, clientSecret: { value: o.admin.secret } } }
                : {}),
            },
          }
        : {}),
      synapse: {
        url: o.synapse,
        ...(o.serverName ? { serverName: o.serverName } : {}),
        ...(o.sharedSecret ? { sharedSecret: { value: o.sharedSecret } } : {}),
        ...(o.adminToken ? { adminToken: { value: o.adminToken } } : {}),
      },
    }),
    secret: async (ref) => new Secret('value' in ref ? ref.value : ''),
    fetch,
    timeoutMs: 2000,
    ...(o.user ? { user: o.user } : {}),
  };
}

async function stack(body: string): Promise<Stack> {
  const file = path.join(dir, `s${Date.now()}-${stacks.length}.yaml`);
  writeFileSync(file, `name: synapse-source\n${body}\nexpect:\n  brokenLink: null\n`);
  const s = await startStack({ scenarioFile: file });
  stacks.push(s);
  return s;
}

/** MAS's config facts as the mas-config source derives them from the sandbox's default config. */
function masFacts(s: Stack, edit: (text: string) => string = (t) => t): SnapshotPart {
  const text = edit(defaultConfigText(s.urls, MasSectionSchema.parse({}).defaults));
  const data: MasConfigFacts = masConfigFacts(parse(text) as Record<string, unknown>, 'config.yaml');
  return { masConfig: { status: 'ok', ms: 1, data } };
}

function adminOf(s: Stack) {
  const info = s.services.mas!.info();
  return { clientId: info.adminClientId!, secret: info.adminClientSecret! };
}

async function collect(ctx: SourceContext, earlier: SnapshotPart = {}): Promise<SynapseFacts> {
  const part = await synapseSource.collect(ctx, earlier);
  if (part.synapse?.status !== 'ok') throw new Error(JSON.stringify(part.synapse));
  return part.synapse.data;
}

const USERS = `mas:
  users:
    - username: boje
      upstreamLinks: [{ provider: ${PROVIDER}, subject: hashed-boje }]
    - username: carol
synapse:
  users:
    - localpart: boje
    - localpart: carol
      deactivated: true
    - localpart: akadmin
      createdVia: admin-api`;

describe('synapseSource against the Synapse emulator', () => {
  it('reads versions, well-known, auth_metadata, and probes /_synapse/mas with MAS’s own secret', async () => {
    const s = await stack(USERS);
    expect(synapseSource).toMatchObject({ name: 'synapse', wave: 2 });
    const data = await collect(
      context({ synapse: s.urls.synapse, mas: s.urls.mas, admin: adminOf(s), user: 'Akadmin' }),
      masFacts(s),
    );
    expect(data.url).toBe(s.urls.synapse);
    expect(data.versions).toContain('v1.11');
    expect(data.wellKnownUrl).toBe(`${s.urls.synapse}/.well-known/matrix/client`);
    expect(data.wellKnown).toMatchObject({
      status: 'ok',
      data: { 'org.matrix.msc2965.authentication': { issuer: `${s.urls.mas}/` } },
    });
    expect(data.authMetadata).toMatchObject({ status: 'ok', data: { issuer: `${s.urls.mas}/` } });
    expect(data.authMetadataUrl).toBe(`${s.urls.synapse}/_matrix/client/v1/auth_metadata`);
    expect(data.masApiProbe).toMatchObject({
      status: 'ok',
      data: {
        status: 400,
        secretFrom: 'mas-config',
        url: `${s.urls.synapse}/_synapse/mas/is_localpart_available`,
      },
    });
    // the focus user (lower-cased) and every MAS user
    expect(data.users).toEqual(
      expect.arrayContaining([
        { localpart: 'akadmin', exists: true, deactivated: false, userId: '@akadmin:sandbox.local' },
        { localpart: 'boje', exists: true, deactivated: false, userId: '@boje:sandbox.local' },
        { localpart: 'carol', exists: true, deactivated: true, userId: '@carol:sandbox.local' },
      ]),
    );
    expect(data.adminUsers).toBeUndefined();
    expect(JSON.stringify(data)).not.toContain('sandbox-mas-synapse-shared-secret');
  });

  it('records the 403 a wrong secret gets, and asks nothing else', async () => {
    const s = await stack(USERS);
    const earlier = masFacts(s, (t) =>
      t.replace(/secret: "sandbox-mas-synapse-shared-secret"/, `secret: "${CANARY}"`),
    );
    const data = await collect(
      context({ synapse: s.urls.synapse, mas: s.urls.mas, admin: adminOf(s) }),
      earlier,
    );
    expect(data.masApiProbe).toMatchObject({
      status: 'ok',
      data: { status: 403, error: 'This endpoint must only be called by MAS' },
    });
    expect(data.users).toEqual([]);
    expect(JSON.stringify(data)).not.toContain(CANARY);
  });

  it('uses the shared secret from ssochain.yaml when MAS keeps its own in a file', async () => {
    const s = await stack('');
    const earlier = masFacts(s, (t) =>
      t.replace(/secret: "sandbox-mas-synapse-shared-secret"/, 'secret_file: /secrets/shared'),
    );
    const skipped = await collect(context({ synapse: s.urls.synapse }), earlier);
    expect(skipped.masApiProbe).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/\/secrets\/shared/),
    });
    const probed = await collect(
      context({ synapse: s.urls.synapse, sharedSecret: 'sandbox-mas-synapse-shared-secret' }),
      earlier,
    );
    expect(probed.masApiProbe).toMatchObject({
      status: 'ok',
      data: { status: 400, secretFrom: 'ssochain-config' },
    });
  });

  it('falls back to the Synapse URL when MAS’s matrix.endpoint is out of reach from here', async () => {
    const s = await stack('');
    const earlier = masFacts(s, (t) =>
      t.replace(`endpoint: "${s.urls.synapse}"`, 'endpoint: "http://127.0.0.1:9/"'),
    );
    const data = await collect(context({ synapse: s.urls.synapse }), earlier);
    expect(data.masApiProbe).toMatchObject({
      status: 'ok',
      data: { status: 400, url: `${s.urls.synapse}/_synapse/mas/is_localpart_available` },
    });
  });

  it('sees the integration off: auth_metadata and /_synapse/mas answer 404', async () => {
    const s = await stack(
      'synapse:\n  config: |\n    server_name: sandbox.local\n    public_baseurl: ${SYNAPSE_URL}/\n    report_stats: false\n',
    );
    const data = await collect(context({ synapse: s.urls.synapse, sharedSecret: CANARY }));
    expect(data.authMetadata).toMatchObject({ status: 'error', error: { status: 404 } });
    expect(data.masApiProbe).toMatchObject({ status: 'ok', data: { status: 404 } });
  });
});

async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = await listen(handler);
  servers.push(server);
  return server.url;
}

const send = (res: http.ServerResponse, status: number, body: unknown) =>
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(typeof body === 'string' ? body : JSON.stringify(body));

describe('synapseSource failure modes and the admin API', () => {
  it('Synapse down: unreachable with a plain sentence, never a throw', async () => {
    const url = await fake(() => undefined);
    await servers.pop()!.close();
    const part = await synapseSource.collect(context({ synapse: url }), {});
    expect(part.synapse).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_CONNECT' } });
  });

  it('a 500, garbage, or not a homeserver: errors that say so', async () => {
    const e500 = await fake((_q, r) => send(r, 502, 'bad gateway'));
    expect((await synapseSource.collect(context({ synapse: e500 }), {})).synapse).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 502 },
    });
    const garbage = await fake((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi'));
    expect((await synapseSource.collect(context({ synapse: garbage }), {})).synapse).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_NOT_JSON' },
    });
    const other = await fake((_q, r) => send(r, 200, { hello: 'world' }));
    const part = await synapseSource.collect(context({ synapse: other }), {});
    expect((part.synapse as { error: { message: string } }).error.message).toMatch(
      /is this a Matrix homeserver/,
    );
  });

  it('pages the admin user list, marks it truncated at the cap, and looks up application services', async () => {
    const seen: string[] = [];
    const url = await fake((req, res) => {
      const u = new URL(req.url!, 'http://x');
      seen.push(u.pathname + u.search);
      if (u.pathname === '/_matrix/client/versions') return send(res, 200, { versions: ['v1.11'] });
      if (u.pathname === '/oauth2/token') return send(res, 200, { access_token: 'mas-token' });
      if (u.pathname === '/api/admin/v1/users') {
        const user = {
          username: 'a',
          created_at: '2026-01-01T00:00:00Z',
          locked_at: null,
          deactivated_at: null,
        };
        return send(res, 200, {
          data: [{ type: 'user', id: '01KQDK00000000000000000AAA', attributes: user }],
          links: {},
        });
      }
      if (u.pathname.startsWith('/api/admin/v1/')) return send(res, 200, { data: [], links: {} });
      if (u.pathname === '/_synapse/admin/v2/users') {
        if (req.headers.authorization !== `Bearer ${CANARY}`)
          return send(res, 401, { errcode: 'M_UNKNOWN_TOKEN' });
        const from = Number(u.searchParams.get('from'));
        const all = ['@a:example.org', '@b:example.org', '@telegram_1:example.org'];
        const page = all
          .slice(from, from + 2)
          .map((name) => ({ name, deactivated: 0, is_guest: 0, user_type: null }));
        return send(res, 200, {
          users: page,
          total: 3,
          ...(from + 2 < 3 ? { next_token: String(from + 2) } : {}),
        });
      }
      if (u.pathname.startsWith('/_synapse/admin/v2/users/')) {
        const id = decodeURIComponent(u.pathname.split('/').pop()!);
        return send(res, 200, { name: id, appservice_id: id.includes('telegram') ? 'telegram' : null });
      }
      return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    });
    const small = { maxQueries: 10, maxAdminUsers: 2, adminPageSize: 2, maxDetailLookups: 10 };
    const cut = await createSynapseSource(small).collect(context({ synapse: url, adminToken: CANARY }), {});
    expect(cut.synapse).toMatchObject({ status: 'ok', data: { adminUsersTruncated: true } });
    const whole = await collect(context({ synapse: url, adminToken: CANARY }));
    expect(whole.adminUsers).toMatchObject({
      status: 'ok',
      data: [{ name: '@a:example.org' }, { name: '@b:example.org' }, { name: '@telegram_1:example.org' }],
    });
    expect(seen).toContain(
      '/_synapse/admin/v2/users?from=2&limit=500&guests=false&deactivated=true&locked=true',
    );
    // without MAS's user list there is nothing to compare with, so no per-user lookups
    expect(seen.some((p) => p.startsWith('/_synapse/admin/v2/users/'))).toBe(false);
    // with MAS's users known, Synapse users MAS lacks are looked up for their application service
    const withMas = await collect(
      context({
        synapse: url,
        adminToken: CANARY,
        mas: url,
        admin: { clientId: '01KQDJVZ7A0000000000000ADM', secret: 'x' },
      }),
    );
    expect(withMas.adminUsers).toMatchObject({
      status: 'ok',
      data: [
        { name: '@a:example.org' },
        { name: '@b:example.org', appservice_id: null },
        { name: '@telegram_1:example.org', appservice_id: 'telegram' },
      ],
    });
    expect((withMas.adminUsers as { data: object[] }).data[0]).not.toHaveProperty('appservice_id');
    const refused = await collect(context({ synapse: url, adminToken: 'wrong-token' }));
    expect(refused.adminUsers).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_AUTH' } });
    expect((refused.adminUsers as { error: { message: string } }).error.message).toMatch(
      /issue-compatibility-token/,
    );
    expect(JSON.stringify(whole)).not.toContain(CANARY);
  });

  it('falls back to the Synapse URL’s well-known when the server name’s host cannot be reached', async () => {
    const url = await fake((req, res) => {
      if (req.url === '/_matrix/client/versions') return send(res, 200, { versions: ['v1.11'] });
      if (req.url === '/.well-known/matrix/client')
        return send(res, 200, { 'm.homeserver': { base_url: 'x' } });
      return send(res, 404, { errcode: 'M_UNRECOGNIZED' });
    });
    const data = await collect(context({ synapse: url, serverName: 'http://127.0.0.1:9' }));
    expect(data.wellKnownUrl).toBe(`${url}/.well-known/matrix/client`);
    expect(data.wellKnown).toMatchObject({ status: 'ok' });
  });

  it('fetches the client well-known at the server name’s host', () => {
    expect(wellKnownBase('example.org', 'https://matrix.example.org')).toBe('https://example.org');
    expect(wellKnownBase('example.org:8448', 'https://m')).toBe('https://example.org');
    expect(wellKnownBase(undefined, 'https://matrix.example.org')).toBe('https://matrix.example.org');
    expect(wellKnownBase('http://127.0.0.1:1234', 'https://m')).toBe('http://127.0.0.1:1234');
  });

  it('is skipped without synapse in ssochain.yaml', async () => {
    const ctx = context({ synapse: 'http://127.0.0.1:9' });
    const part = await synapseSource.collect({ ...ctx, config: ConfigSchema.parse({}) }, {});
    expect(part.synapse).toMatchObject({ status: 'skipped' });
  });
});
