import { afterEach, describe, expect, it } from 'vitest';
import { grepLogs, providerYaml, startWorld, testConfig } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((c) => c()));
  cleanup = [];
});

const OLD = '01KQDJTR1ZVTG8JQ220F5BNBFZ';
const NEW = '01KQE0000000000000000NEW00';

describe('MAS emulator: a MAS that refuses to start', () => {
  it('answers 503 everywhere, says why in info() and logs MAS’s error', async () => {
    const w = await startWorld(
      { provider: (idp) => providerYaml(idp, { token_endpoint_auth_method: null }) },
      cleanup,
    );
    const error =
      'missing field `token_endpoint_auth_method` for key "default.upstream_oauth2.providers.0" in config.yaml YAML file';
    expect(w.h.mas.running).toBe(false);
    expect(w.h.mas.startupError).toBe(error);
    expect((await fetch(`${w.h.url}/health`)).status).toBe(503);
    expect((await fetch(`${w.h.url}/login`)).status).toBe(503);
    expect(w.h.mas.info().status).toBe(`refuses to start: ${error}`);
    expect(grepLogs(w.h, /Error: /)).toEqual([`Error: ${error}`]);
  });

  it('a valid reload through POST /_sandbox/reload starts it', async () => {
    const w = await startWorld({ provider: (idp) => providerYaml(idp, { id: 'not-a-ulid' }) }, cleanup);
    expect(w.h.mas.startupError).toBe(
      'invalid length for key "default.upstream_oauth2.providers.0.id" in config.yaml YAML file',
    );
    const res = await fetch(`${w.h.url}/_sandbox/reload`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: testConfig({ provider: providerYaml(w.idp) }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, providers: { added: [OLD], updated: [], disabled: [] } });
    expect((await fetch(`${w.h.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${w.h.url}/health`)).text()).toBe('ok');
  });
});

describe('MAS emulator: config reload (a GitOps repair)', () => {
  it('a new provider id is a new provider; the old one is disabled and keeps its links', async () => {
    const w = await startWorld(
      { section: { users: [{ username: 'boje', upstreamLinks: [{ provider: OLD, subject: 'sub-boje' }] }] } },
      cleanup,
    );
    const result = await w.h.mas.reloadConfig(testConfig({ provider: providerYaml(w.idp, {}, NEW) }));
    expect(result).toEqual({ ok: true, providers: { added: [NEW], updated: [], disabled: [OLD] } });
    expect(grepLogs(w.h, /Disabling provider provider\.id=01KQDJTR1ZVTG8JQ220F5BNBFZ$/)).toHaveLength(1);
    expect(
      grepLogs(
        w.h,
        /A provider is soft-deleted in the database\. Run `mas-cli config sync --prune` to delete it\.$/,
      ),
    ).toHaveLength(1);
    const state = w.h.mas.state();
    expect(state.providers).toEqual([
      expect.objectContaining({ id: OLD, enabled: false }),
      expect.objectContaining({ id: NEW, enabled: true }),
    ]);
    expect(state.links).toMatchObject([{ providerId: OLD, subject: 'sub-boje' }]);
    // the same Authentik user now meets a new provider: no link, and boje's localpart is taken
    const page = await w.browser.follow(`${w.h.url}/login`);
    expect(w.idp.authorizeRequests[0]!.get('redirect_uri')).toBe(`${w.h.url}/upstream/callback/${NEW}`);
    expect(page.body).toContain('data-error-code="User exists"');
    // the old provider's routes answer 404 Provider not found
    const old = await w.browser.request(`${w.h.url}/upstream/authorize/${OLD}`);
    expect(old.status).toBe(404);
    expect(old.body).toContain('Provider not found');
  });

  it('changing a provider updates it in place; an invalid reload leaves MAS refusing to start', async () => {
    const w = await startWorld({}, cleanup);
    const fixed = await w.h.mas.reloadConfig(
      testConfig({ provider: providerYaml(w.idp, { human_name: 'Company SSO' }) }),
    );
    expect(fixed.providers).toEqual({ added: [], updated: [OLD], disabled: [] });
    const withPasswords = testConfig({
      passwords: true,
      provider: providerYaml(w.idp, { human_name: 'Company SSO' }),
    });
    await w.h.mas.reloadConfig(withPasswords);
    expect((await w.browser.request(`${w.h.url}/login`)).body).toContain('Continue with Company SSO');
    const broken = await w.h.mas.reloadConfig(
      testConfig({ provider: providerYaml(w.idp, { client_secret: null }) }),
    );
    expect(broken.ok).toBe(false);
    expect(broken.error).toBe(
      'missing field `client_secret` for key "default.upstream_oauth2.providers.0" in config.yaml YAML file',
    );
    expect((await fetch(`${w.h.url}/login`)).status).toBe(503);
  });

  it('removing every provider disables them: /login has no provider left', async () => {
    const w = await startWorld({ passwords: true }, cleanup);
    await w.h.mas.reloadConfig({ config: testConfig({ passwords: true }) });
    expect((await w.browser.request(`${w.h.url}/login`)).body).not.toContain('Continue with');
    expect(w.h.mas.state().providers).toEqual([expect.objectContaining({ id: OLD, enabled: false })]);
  });

  it('exposes its state and the worker on the sandbox control routes', async () => {
    const w = await startWorld(
      { section: { worker: { stalled: true }, users: [{ username: 'x', provisioned: false }] } },
      cleanup,
    );
    const state = (await (await fetch(`${w.h.url}/_sandbox/state`)).json()) as {
      jobs: { status: string }[];
      running: boolean;
    };
    expect(state.running).toBe(true);
    expect(state.jobs).toMatchObject([{ status: 'scheduled' }]);
    const res = await fetch(`${w.h.url}/_sandbox/worker`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stalled: false }),
    });
    expect(((await res.json()) as { stalled: boolean }).stalled).toBe(false);
    await w.h.mas.worker.idle();
    expect(w.synapse.users.has('x')).toBe(true);
  });

  it('serves only the resources its listeners declare', async () => {
    const w = await startWorld({ config: () => testConfig({}).replace('{name: compat}, ', '') }, cleanup);
    expect((await fetch(`${w.h.url}/_matrix/client/v3/login`)).status).toBe(404);
    expect((await fetch(`${w.h.url}/.well-known/openid-configuration`)).status).toBe(200);
  });
});

describe('MAS emulator: fault groups', () => {
  it('faults one group (oauth) without touching the others (human)', async () => {
    const w = await startWorld({}, cleanup);
    w.h.mas.router.faults = { oauth: { status: 503 } };
    expect((await fetch(`${w.h.url}/.well-known/openid-configuration`)).status).toBe(503);
    expect((await fetch(`${w.h.url}/oauth2/introspect`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${w.h.url}/login`, { redirect: 'manual' })).status).toBe(303);
    w.h.mas.router.faults = { human: { status: 502 }, health: { latencyMs: 1 } };
    expect((await fetch(`${w.h.url}/upstream/authorize/${OLD}`, { redirect: 'manual' })).status).toBe(502);
    expect((await fetch(`${w.h.url}/health`)).status).toBe(200);
    w.h.mas.router.faults = { adminapi: { status: 500 }, compat: { malformed: true } };
    expect((await fetch(`${w.h.url}/api/admin/v1/users`)).status).toBe(500);
    expect(await (await fetch(`${w.h.url}/_matrix/client/v3/login`)).text()).toBe('{"truncated": tr');
  });
});

describe('MAS emulator: response_mode form_post', () => {
  it('accepts the IdP’s form POST on the callback', async () => {
    const w = await startWorld(
      { provider: (idp) => providerYaml(idp, { response_mode: 'form_post' }) },
      cleanup,
    );
    const toIdp = await w.browser.follow(`${w.h.url}/login`, (u) => u.startsWith(w.idp.url));
    const authorize = new URL(toIdp.url);
    expect(authorize.searchParams.get('response_mode')).toBe('form_post');
    const back = await w.browser.request(authorize.href);
    const callback = new URL(back.headers.get('location')!);
    // the IdP posts the parameters instead of putting them in the query
    const page = await w.browser.follow(`${callback.origin}${callback.pathname}`, undefined, {
      method: 'POST',
      form: Object.fromEntries(callback.searchParams),
    });
    expect(page.body).toContain('Create a new account');
    const get = await w.browser.request(callback.href);
    expect(get.status).toBe(400);
    expect(get.body).toContain('Invalid response mode, expected &#39;form_post&#39;');
  });
});
