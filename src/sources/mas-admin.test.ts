import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { listen, type RunningServer } from '../sandbox/http/server.js';
import type { MasEmulatorInstance } from '../sandbox/mas/index.js';
import { defaultConfigText } from '../sandbox/mas/scenario.js';
import { MasSectionSchema } from '../sandbox/mas/scenario.js';
import { startStack, type Stack } from '../sandbox/stack.js';
import { Secret } from '../snapshot/secret.js';
import type { MasAdminFacts } from '../snapshot/types.js';
import { collectMasAdmin, masAdminFacts, masAdminSource } from './mas-admin.js';
import type { SourceContext } from './source.js';

const PROVIDER = '01KQDJTR1ZVTG8JQ220F5BNBFZ';
const CANARY = 'canary-admin-secret-8e1d';

let dir: string;
const stacks: Stack[] = [];
const servers: RunningServer[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ssochain-mas-admin-'));
});
afterEach(async () => {
  await Promise.all([...stacks.splice(0).map((s) => s.close()), ...servers.splice(0).map((s) => s.close())]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(
  url: string,
  admin: { clientId: string; secret: string } | undefined,
  user?: string,
): SourceContext {
  return {
    config: ConfigSchema.parse({
      mas: {
        url,
        ...(admin ? { admin: { clientId: admin.clientId, clientSecret: { value: admin.secret } } } : {}),
      },
    }),
    secret: async (ref) => new Secret('value' in ref ? ref.value : ''),
    fetch,
    timeoutMs: 2000,
    ...(user ? { user } : {}),
  };
}

async function stack(masSection: string): Promise<Stack> {
  const file = path.join(dir, `s${stacks.length}-${Date.now()}.yaml`);
  writeFileSync(file, `name: mas-admin-source\n${masSection}\nexpect:\n  brokenLink: null\n`);
  const s = await startStack({ scenarioFile: file });
  stacks.push(s);
  return s;
}

function adminOf(s: Stack): { clientId: string; secret: string } {
  const info = s.services.mas!.info();
  return { clientId: info.adminClientId!, secret: info.adminClientSecret! };
}

const USERS = `mas:
  users:
    - username: boje
      upstreamLinks:
        - { provider: ${PROVIDER}, subject: hashed-boje, humanAccountName: boje }
    - username: akadmin
      admin: true
    - username: carol
      locked: true
  unlinkedUpstreamLinks:
    - { provider: ${PROVIDER}, subject: someone-abandoned }`;

function ok(f: Awaited<ReturnType<typeof collectMasAdmin>>): MasAdminFacts {
  if (f.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(f)}`);
  return f.data;
}

describe('masAdminSource against the MAS emulator', () => {
  it('reads users, upstream links and providers with a client_credentials token', async () => {
    const s = await stack(USERS);
    const part = await masAdminSource.collect(context(s.urls.mas, adminOf(s)), {});
    expect(masAdminSource).toMatchObject({ name: 'mas-admin', wave: 2 });
    const data = ok(part.masAdmin!);
    expect(data.users.map((u) => u.username).sort()).toEqual(['akadmin', 'boje', 'carol']);
    expect(data.users.find((u) => u.username === 'akadmin')).toMatchObject({ admin: true, locked_at: null });
    expect(data.users.find((u) => u.username === 'carol')!.locked_at).toEqual(expect.any(String));
    const boje = data.users.find((u) => u.username === 'boje')!;
    expect(data.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider_id: PROVIDER, subject: 'hashed-boje', user_id: boje.id }),
        expect.objectContaining({ subject: 'someone-abandoned', user_id: null }),
      ]),
    );
    expect(data.providers).toEqual([expect.objectContaining({ id: PROVIDER, disabled_at: null })]);
    expect(data.truncated).toBe(false);
  });

  it('pages by cursor and marks a list cut at the cap as truncated, but always finds the focus user', async () => {
    const s = await stack(USERS);
    const all = ok(
      await collectMasAdmin(context(s.urls.mas, adminOf(s)), { pageSize: 1, maxUsers: 10, maxLinks: 10 }),
    );
    expect(all.users).toHaveLength(3);
    expect(all.truncated).toBe(false);
    const cut = ok(
      await collectMasAdmin(context(s.urls.mas, adminOf(s), 'Carol'), {
        pageSize: 1,
        maxUsers: 1,
        maxLinks: 10,
      }),
    );
    expect(cut.truncated).toBe(true);
    expect(cut.users.map((u) => u.username)).toContain('carol');
  });

  it('names the missing adminapi resource when the admin API is not mounted', async () => {
    const s = await stack('mas: {}');
    const mas = s.services.mas as MasEmulatorInstance;
    const config = defaultConfigText(s.urls, MasSectionSchema.parse({}).defaults).replace(
      '        - name: adminapi\n',
      '',
    );
    expect((await mas.reloadConfig(config)).ok).toBe(true);
    const admin = { clientId: '01KQDJVZ7A0000000000000ADM', secret: 'sandbox-mas-admin-client-secret' };
    const f = await collectMasAdmin(context(s.urls.mas, admin));
    expect(f).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 404 } });
    expect((f as { error: { message: string } }).error.message).toMatch(/add `- name: adminapi`/);
  });

  it('names policy.data.admin_clients when MAS refuses the scope, and clients/secret when the secret is wrong', async () => {
    const s = await stack('mas: {}');
    const mas = s.services.mas as MasEmulatorInstance;
    const admin = adminOf(s);
    const wrong = await collectMasAdmin(context(s.urls.mas, { ...admin, secret: CANARY }));
    expect(wrong).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_AUTH', status: 401 } });
    expect((wrong as { error: { message: string } }).error.message).toMatch(
      /not in MAS's `clients`, its secret differs/,
    );
    expect(JSON.stringify(wrong)).not.toContain(CANARY);

    const config = defaultConfigText(s.urls, MasSectionSchema.parse({}).defaults).replace(
      / {4}admin_clients:\n {6}- \S+\n/,
      '',
    );
    expect((await mas.reloadConfig(config)).ok).toBe(true);
    const refused = await collectMasAdmin(context(s.urls.mas, admin));
    expect(refused).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_FORBIDDEN' } });
    expect((refused as { error: { message: string } }).error.message).toMatch(/policy\.data\.admin_clients/);
  });
});

async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = await listen(handler);
  servers.push(server);
  return server.url;
}

const send = (res: http.ServerResponse, status: number, body: string, type = 'application/json') =>
  res.writeHead(status, { 'content-type': type }).end(body);

const tokenThen =
  (admin: (req: http.IncomingMessage, res: http.ServerResponse) => void) =>
  (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/oauth2/token')
      return send(res, 200, JSON.stringify({ access_token: 'tok', token_type: 'Bearer' }));
    return admin(req, res);
  };

describe('masAdminSource failure modes', () => {
  const admin = { clientId: '01KQDJVZ7A0000000000000ADM', secret: CANARY };

  it('is skipped without mas.admin, with a reason', async () => {
    const f = await collectMasAdmin(context('http://127.0.0.1:9', undefined));
    expect(f).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/mas.admin is not set/) });
  });

  it('MAS down: unreachable with a plain sentence', async () => {
    const url = await fake(() => undefined);
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    const f = await collectMasAdmin(context(url, admin));
    expect(f).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_CONNECT' } });
    expect((f as { error: { message: string } }).error.message).toMatch(/connection refused/);
  });

  it('a 500 from the token endpoint, a 500 from the API, garbage bodies: errors, never throws', async () => {
    const down = await fake((_req, res) => send(res, 500, '{"error":"server_error"}'));
    expect(await collectMasAdmin(context(down, admin))).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 500 },
    });
    const apiDown = await fake(
      tokenThen((_req, res) => send(res, 500, '{"errors":[{"title":"Internal error"}]}')),
    );
    const f = await collectMasAdmin(context(apiDown, admin));
    expect(f).toMatchObject({ status: 'error', error: { status: 500 } });
    expect((f as { error: { message: string } }).error.message).toMatch(/Internal error/);
    const garbage = await fake(
      tokenThen((_req, res) => send(res, 200, '<html>proxy login</html>', 'text/html')),
    );
    expect(await collectMasAdmin(context(garbage, admin))).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_NOT_JSON' },
    });
    const wrongShape = await fake(tokenThen((_req, res) => send(res, 200, '{"users":[]}')));
    expect(await collectMasAdmin(context(wrongShape, admin))).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_INVALID' },
    });
    const noToken = await fake((_req, res) => send(res, 200, '{"token_type":"Bearer"}'));
    expect(await collectMasAdmin(context(noToken, admin))).toMatchObject({ status: 'error' });
  });

  it('a token without urn:mas:admin: 401 from the API names the scope', async () => {
    const url = await fake(
      tokenThen((_req, res) => send(res, 401, '{"errors":[{"title":"Missing scope"}]}')),
    );
    const f = await collectMasAdmin(context(url, admin));
    expect(f).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_AUTH' } });
    expect((f as { error: { message: string } }).error.message).toMatch(/lacks urn:mas:admin/);
  });

  it('retries with client_secret_post when MAS registered the client for it', async () => {
    const url = await fake((req, res) => {
      if (req.url === '/oauth2/token') {
        if (req.headers.authorization) return send(res, 401, '{"error":"invalid_client"}');
        return send(res, 200, '{"access_token":"tok"}');
      }
      return send(res, 200, '{"data":[],"links":{}}');
    });
    expect(await collectMasAdmin(context(url, admin))).toMatchObject({ status: 'ok' });
  });

  it('keeps a path prefix of the MAS URL and is fetched once per run', async () => {
    const seen: string[] = [];
    const url = await fake((req, res) => {
      seen.push(req.url!.split('?')[0]!);
      if (req.url === '/auth/oauth2/token') return send(res, 200, '{"access_token":"tok"}');
      return send(res, 200, '{"data":[],"links":{}}');
    });
    const ctx = context(`${url}/auth/`, admin);
    const [a, b] = await Promise.all([masAdminFacts(ctx), masAdminFacts(ctx)]);
    expect(a).toBe(b);
    expect(seen.filter((p) => p === '/auth/oauth2/token')).toHaveLength(1);
    expect(seen).toContain('/auth/api/admin/v1/users');
  });
});
