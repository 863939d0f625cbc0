import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MasEmulatorInstance } from '../../../src/sandbox/mas/index.js';
import { startStack, type Stack } from '../../../src/sandbox/stack.js';
import { Browser, type BrowserResponse } from './helpers.js';

/**
 * The whole chain on the sandbox stack, with the real emulators of the registry: Authentik's
 * flow executor, the emulated MAS with its default configuration, and the Synapse emulator.
 */
let stack: Stack | undefined;
let dir: string | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(mas = '{}', authentik = '{}'): Promise<Stack> {
  dir = mkdtempSync(path.join(tmpdir(), 'ssochain-mas-'));
  const file = path.join(dir, 'mas-e2e.yaml');
  writeFileSync(
    file,
    `name: mas-e2e\ndescription: the default chain\nauthentik: ${authentik}\nmas: ${mas}\nexpect:\n  brokenLink: null\n  findings: []\n`,
  );
  stack = await startStack({ scenarioFile: file });
  await (stack.services.mas as MasEmulatorInstance).ready();
  return stack;
}

/** answers Authentik's default authentication flow (identification, then password) */
async function authentikLogin(b: Browser, s: Stack, flowShell: string, username: string, password: string) {
  const shellUrl = new URL(flowShell, s.urls.authentik);
  await b.request(shellUrl.href);
  const query = shellUrl.searchParams.toString();
  const executor = `${s.urls.authentik}/api/v3/flows/executor/default-authentication-flow/?query=${encodeURIComponent(query)}`;
  const answer = async (body: Record<string, unknown>) => {
    const csrf = b.cookie(s.urls.authentik, 'authentik_csrf');
    const res = await b.request(executor, {
      method: 'POST',
      json: body,
      headers: csrf ? { 'x-authentik-csrf': csrf } : {},
    });
    return JSON.parse(res.status === 302 ? (await b.request(executor)).body : res.body) as Record<
      string,
      unknown
    >;
  };
  await b.request(executor);
  await answer({ component: 'ak-stage-identification', uid_field: username });
  const done = await answer({ component: 'ak-stage-password', password });
  expect(done).toMatchObject({ component: 'xak-flow-redirect' });
  return new URL(String(done.to), s.urls.authentik).href;
}

/** MAS /login (or any MAS URL) → Authentik → back to MAS, until MAS shows a page */
async function throughAuthentik(
  b: Browser,
  s: Stack,
  start: string,
  stop?: (u: string) => boolean,
): Promise<BrowserResponse> {
  const toFlow = await b.follow(
    start,
    (u) => u.startsWith(s.urls.authentik) && new URL(u).pathname.startsWith('/if/flow/'),
  );
  const resume = await authentikLogin(b, s, toFlow.url, 'boje', 'boje-sandbox-password');
  return b.follow(resume, stop);
}

describe('MAS emulator on the sandbox stack (Authentik + MAS + Synapse emulators)', () => {
  it('the default configuration signs boje in through Authentik and provisions him in Synapse', async () => {
    const s = await start();
    const mas = s.services.mas as MasEmulatorInstance;
    expect(mas.running).toBe(true);
    expect(mas.info()).toMatchObject({
      status: 'running',
      issuer: `${s.urls.mas}/`,
      homeserver: 'sandbox.local',
    });
    expect(s.log.read('mas').filter((l) => /Failed to fetch provider metadata/.test(l.text))).toEqual([]);

    const b = new Browser();
    const page = await throughAuthentik(b, s, `${s.urls.mas}/login`);
    expect(page.url).toContain('/upstream/link/');
    expect(page.body).toContain('<strong class="forced-username">boje</strong>');
    await b.submit(page, 'upstream-register', {}, (u) => new URL(u).pathname === '/');
    await mas.worker.idle();

    const query = await fetch(`${s.urls.synapse}/_synapse/mas/query_user?localpart=boje`, {
      headers: { authorization: 'Bearer sandbox-mas-synapse-shared-secret' },
    });
    expect(query.status).toBe(200);
    expect(await query.json()).toMatchObject({ user_id: '@boje:sandbox.local' });
    const logs = (await (await fetch(`${s.controlUrl}/logs?service=mas`)).json()) as { text: string }[];
    expect(
      logs.some((l) =>
        / INFO mas_tasks::matrix:81 job-provision-user-\d+ - User created user\.id=\w+ mxid=@boje:sandbox\.local$/.test(
          l.text,
        ),
      ),
    ).toBe(true);
  });

  it('a Matrix client signs in through MAS and Synapse accepts its token (introspection)', async () => {
    const s = await start();
    const b = new Browser();
    const redirect = 'http://127.0.0.1:1/callback';
    const reg = await fetch(`${s.urls.mas}/oauth2/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'e2e',
        client_uri: 'https://client.example/',
        application_type: 'native',
        redirect_uris: [redirect],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    });
    const clientId = ((await reg.json()) as { client_id: string }).client_id;
    const verifier = randomBytes(32).toString('base64url');
    const authorize = `${s.urls.mas}/authorize?${new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirect,
      response_type: 'code',
      scope: 'openid urn:matrix:client:api:* urn:matrix:client:device:E2EDEVICE01',
      state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })}`;
    const toClient = (u: string) => u.startsWith(redirect);
    let page = await throughAuthentik(b, s, authorize, toClient);
    if (page.body.includes('upstream-register'))
      page = await b.submit(page, 'upstream-register', {}, toClient);
    const back = await b.submit(page, 'consent', { action: 'consent' }, toClient);
    const code = new URL(back.url).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${s.urls.mas}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirect,
          client_id: clientId,
          code_verifier: verifier,
        }),
      })
    ).json()) as { access_token: string };
    await (s.services.mas as MasEmulatorInstance).worker.idle();
    const whoami = await fetch(`${s.urls.synapse}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ user_id: '@boje:sandbox.local', device_id: 'E2EDEVICE01' });
  });

  it('a stalled worker: MAS knows boje, Synapse does not (mas-worker-stalled)', async () => {
    const s = await start('{worker: {stalled: true}}');
    const b = new Browser();
    const page = await throughAuthentik(b, s, `${s.urls.mas}/login`);
    await b.submit(page, 'upstream-register', {}, (u) => new URL(u).pathname === '/');
    const mas = s.services.mas as MasEmulatorInstance;
    expect(mas.state().users.map((u) => u.username)).toEqual(['boje']);
    expect(mas.worker.pending()).toHaveLength(1);
    const query = await fetch(`${s.urls.synapse}/_synapse/mas/query_user?localpart=boje`, {
      headers: { authorization: 'Bearer sandbox-mas-synapse-shared-secret' },
    });
    expect(query.status).toBe(404);
  });

  it('an Authentik provider without a signing key: HS256 id_tokens, none of the keys worked', async () => {
    const s = await start('{}', '{providers: {matrix-provider: {signing_key: null}}}');
    const b = new Browser();
    const page = await throughAuthentik(b, s, `${s.urls.mas}/login`);
    expect(page.status).toBe(500);
    expect(page.body).toContain('none of the keys worked');
    expect(
      s.log
        .read('mas')
        .some((l) => / ERROR mas_axum_utils::fancy_error:67 GET-\d+ - none of the keys worked$/.test(l.text)),
    ).toBe(true);
  });
});
