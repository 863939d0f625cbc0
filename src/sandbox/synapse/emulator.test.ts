import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { json, listen, Router, type RunningServer } from '../http/server.js';
import { SandboxLog } from '../log.js';
import { loadHomeserverConfig } from './config.js';
import { createSynapse, SynapseSectionSchema, type SynapseEmulatorInstance } from './index.js';
import { pyRepr } from './pyrepr.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** a MAS that answers introspection from a table and counts the calls */
async function fakeMas(answers: Record<string, unknown>) {
  const calls: string[] = [];
  const router = new Router('mas')
    .on('GET', '/.well-known/openid-configuration', 'x', (ctx) =>
      json(200, { issuer: `${ctx.origin}/`, account_management_uri: `${ctx.origin}/account/` }),
    )
    .on('POST', '/oauth2/introspect', 'x', async (ctx) => {
      const token = (await ctx.form()).get('token') ?? '';
      calls.push(token);
      return json(200, answers[token] ?? { active: false });
    });
  const server = await listen(router.listener);
  servers.push(server);
  return { url: server.url, calls, answers };
}

async function synapse(section: Record<string, unknown>, masUrl: string, log = new SandboxLog()) {
  const ref: { router?: Router } = {};
  const server = await listen((req, res) => ref.router!.listener(req, res));
  servers.push(server);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const instance: SynapseEmulatorInstance = createSynapse(
    SynapseSectionSchema.parse(section),
    {
      urls: { authentik: 'http://127.0.0.1:1', mas: masUrl, synapse: server.url },
      log,
      scenarioDir: tmpdir(),
    },
    { now: () => now },
  );
  ref.router = instance.router;
  return { url: server.url, instance, log, advance: (ms: number) => (now += ms) };
}

describe('homeserver.yaml handling', () => {
  it('reads YAML 1.1 booleans like PyYAML', () => {
    const r = loadHomeserverConfig(
      'server_name: s\nmatrix_authentication_service:\n  enabled: yes\n  endpoint: http://127.0.0.1:1/\n  secret: x\n',
    );
    expect(r.ok && r.config.mas.enabled).toBe(true);
  });

  it('reads the secret from secret_path, trimmed, relative to the scenario folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'synapse-secret-'));
    writeFileSync(path.join(dir, 'mas-secret'), '  s3cret\n');
    const r = loadHomeserverConfig(
      'server_name: s\nmatrix_authentication_service:\n  enabled: true\n  secret_path: mas-secret\n',
      { baseDir: dir },
    );
    expect(r.ok && r.config.mas.secret).toBe('s3cret');
  });

  it('crashes without server_name, like Synapse (KeyError)', () => {
    const r = loadHomeserverConfig('public_baseurl: http://x/\n');
    expect(!r.ok && r.error.format()).toContain("KeyError: 'server_name'");
  });

  it("without MAS, passwords default to on and /login is Synapse's own", async () => {
    const s = await synapse({ config: 'server_name: s\n' }, 'http://127.0.0.1:1');
    const login = await fetch(`${s.url}/_matrix/client/v3/login`);
    expect(await login.json()).toEqual({
      flows: [{ type: 'm.login.password' }, { type: 'm.login.application_service' }],
    });
    expect((await fetch(`${s.url}/_synapse/mas/query_user`)).status).toBe(404);
    expect((await fetch(`${s.url}/_matrix/client/v1/auth_metadata`)).status).toBe(404);
    // no public_baseurl: Synapse does not serve the client well-known
    const wk = await fetch(`${s.url}/.well-known/matrix/client`);
    expect(wk.status).toBe(404);
    expect(await wk.json()).toEqual({ errcode: 'M_NOT_FOUND', error: '.well-known not available' });
  });

  it('python reprs for error messages', () => {
    expect(pyRepr([{ a: true, b: null, c: "it's" }])).toBe(`[{'a': True, 'b': None, 'c': "it's"}]`);
  });
});

describe('Synapse emulator behaviour the real-Synapse suite cannot set up', () => {
  it('M_EXCLUSIVE for a localpart in an application service namespace', async () => {
    const mas = await fakeMas({});
    const s = await synapse(
      {
        config:
          `server_name: sandbox.local\nmatrix_authentication_service:\n  enabled: true\n  endpoint: ${'${MAS}'}\n  secret: k\n`.replace(
            '${MAS}',
            mas.url,
          ),
        appservices: [{ id: 'irc', users: [{ regex: '@irc_.*:sandbox\\.local' }] }],
      },
      mas.url,
    );
    const r = await fetch(`${s.url}/_synapse/mas/is_localpart_available?localpart=irc_bob`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      errcode: 'M_EXCLUSIVE',
      error: 'This user ID is reserved by an application service.',
    });
  });

  it('caches introspection answers for two minutes, then asks MAS again', async () => {
    const mas = await fakeMas({ tok: { active: true, scope: 'urn:matrix:client:api:*', username: 'alice' } });
    const s = await synapse(
      {
        config: `server_name: sandbox.local\nmatrix_authentication_service:\n  enabled: true\n  endpoint: ${mas.url}\n  secret: k\n`,
        users: [{ localpart: 'alice' }],
      },
      mas.url,
    );
    const whoami = () =>
      fetch(`${s.url}/_matrix/client/v3/account/whoami`, { headers: { authorization: 'Bearer tok' } });
    expect((await whoami()).status).toBe(200);
    mas.answers.tok = { active: false };
    expect((await whoami()).status).toBe(200);
    expect(mas.calls).toEqual(['tok']);
    s.advance(121_000);
    expect((await whoami()).status).toBe(401);
    expect(mas.calls).toEqual(['tok', 'tok']);
  });

  it("logs Synapse's own lines: failed introspection, the refusal on stderr", async () => {
    const s = await synapse(
      {
        config:
          'server_name: sandbox.local\nmatrix_authentication_service:\n  enabled: true\n  endpoint: http://127.0.0.1:9/\n  secret: k\n',
      },
      'http://127.0.0.1:9',
    );
    const r = await fetch(`${s.url}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: 'Bearer x' },
    });
    expect(r.status).toBe(503);
    const text = s.log.read('synapse').map((l) => l.text);
    expect(
      text.some((t) =>
        / - synapse\.api\.auth\.mas - \d+ - ERROR - GET-\d+ - Failed to introspect token$/.test(t),
      ),
    ).toBe(true);
    expect(text.some((t) => t.includes('SynapseError: 503 - Unable to introspect the access token'))).toBe(
      true,
    );

    const log = new SandboxLog();
    const refused = await synapse(
      {
        config:
          'server_name: sandbox.local\noidc_providers: []\nmatrix_authentication_service:\n  enabled: true\n',
      },
      'http://127.0.0.1:9',
      log,
    );
    expect(refused.instance.startupError).toContain('You must set a `secret` or `secret_path`');
    await expect(fetch(`${refused.url}/_matrix/client/versions`)).rejects.toThrow();
    expect(log.read('synapse')[0]!.text).toBe("Error in configuration at 'matrix_authentication_service':");
  });

  it('seeds scenario users with devices, and lists Synapse-only accounts through the admin API', async () => {
    const mas = await fakeMas({
      adm: { active: true, scope: 'urn:matrix:client:api:* urn:synapse:admin:*', username: 'akadmin' },
    });
    const s = await synapse(
      {
        config: `server_name: sandbox.local\nmatrix_authentication_service:\n  enabled: true\n  endpoint: ${mas.url}\n  secret: k\n`,
        users: [
          { localpart: 'akadmin', admin: true, createdVia: 'admin-api', devices: ['ADMINDEV'] },
          { localpart: 'gone', deactivated: true },
          { localpart: 'frozen', locked: true, displayname: 'Frozen' },
        ],
      },
      mas.url,
    );
    const list = await fetch(`${s.url}/_synapse/admin/v3/users?guests=false&locked=true`, {
      headers: { authorization: 'Bearer adm' },
    });
    const body = (await list.json()) as { users: { name: string; locked: boolean }[]; total: number };
    expect(body.users.map((u) => u.name)).toEqual([
      '@akadmin:sandbox.local',
      '@frozen:sandbox.local',
      '@gone:sandbox.local',
    ]);
    expect(s.instance.homeserver!.store.get('@akadmin:sandbox.local')!.devices.has('ADMINDEV')).toBe(true);
  });
});
