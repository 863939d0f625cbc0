import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, testConfig, type World } from './helpers.js';

/**
 * Every admin-API operation the emulator serves, called for real and checked against MAS's
 * published OpenAPI document (`shared/specs/mas-admin-api.openapi.json`, MAS @682b8d26):
 * success bodies and error bodies alike must validate against the operation's response schema
 * for the status code returned, and that status must be one the spec documents.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const specPath = path.resolve(repoRoot, '../shared/specs/mas-admin-api.openapi.json');
const haveSpec = existsSync(specPath);
if (!haveSpec) console.log(`MAS admin API contract test skipped: ${specPath} not found`);

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Spec {
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
    >
  >;
}

/** the operations the emulator implements: [method, path template] */
const EMULATED: [string, string][] = [
  ['get', '/api/admin/v1/version'],
  ['get', '/api/admin/v1/site-config'],
  ['get', '/api/admin/v1/users'],
  ['post', '/api/admin/v1/users'],
  ['get', '/api/admin/v1/users/{id}'],
  ['get', '/api/admin/v1/users/by-username/{username}'],
  ['post', '/api/admin/v1/users/{id}/set-admin'],
  ['post', '/api/admin/v1/users/{id}/set-password'],
  ['post', '/api/admin/v1/users/{id}/lock'],
  ['post', '/api/admin/v1/users/{id}/unlock'],
  ['post', '/api/admin/v1/users/{id}/deactivate'],
  ['post', '/api/admin/v1/users/{id}/reactivate'],
  ['get', '/api/admin/v1/user-emails'],
  ['post', '/api/admin/v1/user-emails'],
  ['get', '/api/admin/v1/user-emails/{id}'],
  ['delete', '/api/admin/v1/user-emails/{id}'],
  ['get', '/api/admin/v1/upstream-oauth-links'],
  ['post', '/api/admin/v1/upstream-oauth-links'],
  ['get', '/api/admin/v1/upstream-oauth-links/{id}'],
  ['delete', '/api/admin/v1/upstream-oauth-links/{id}'],
  ['get', '/api/admin/v1/upstream-oauth-providers'],
  ['get', '/api/admin/v1/upstream-oauth-providers/{id}'],
];

const PROVIDER = '01KQDJTR1ZVTG8JQ220F5BNBFZ';
const MISSING = '01040G2081040G2081040G2081';

describe.runIf(haveSpec)('MAS admin API contract (OpenAPI 3.1)', () => {
  let spec: Spec;
  let ajv: Ajv2020;
  let w: World;
  let token = '';
  const cleanup: (() => Promise<void>)[] = [];
  const validators = new Map<string, ValidateFunction>();
  /** `${method} ${template} ${status}` of every checked call */
  const seen = new Set<string>();

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
    ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    for (const f of ['uint', 'uint8', 'uint16', 'uint32', 'uint64'])
      ajv.addFormat(f, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    // the whole document under one $id, so the `#/components/...` references resolve
    ajv.addSchema({ $id: 'mas-admin-api', ...(spec as object) }, 'mas-admin-api');
    w = await startWorld(
      {
        config: () =>
          testConfig({
            passwords: true,
            provider: `    - {id: ${PROVIDER}, issuer: "https://idp.example/", client_id: c, client_secret: s, token_endpoint_auth_method: client_secret_basic}`,
          }),
        section: {
          users: [
            {
              username: 'alice',
              admin: true,
              emails: ['alice@example.test'],
              upstreamLinks: [{ provider: PROVIDER, subject: 'sub-alice' }],
            },
            { username: 'bob' },
            { username: 'carol', locked: true },
          ],
          unlinkedUpstreamLinks: [{ provider: PROVIDER, subject: 'orphan' }],
        },
      },
      cleanup,
    );
    const res = await fetch(`${w.h.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('01KQDJVZ7A0000000000000ADM:admin-secret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=urn%3Amas%3Aadmin',
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await Promise.all(cleanup.map((c) => c()));
  });

  function validator(method: string, template: string, status: number): ValidateFunction | undefined {
    const op = spec.paths[template]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${template} is not in the spec`);
    const response = op.responses[String(status)];
    if (!response) throw new Error(`${op.operationId}: status ${status} is not documented by the spec`);
    if (!response.content) return undefined;
    const key = `${method} ${template} ${status}`;
    let v = validators.get(key);
    if (!v) {
      const pointer = [
        'paths',
        template,
        method,
        'responses',
        String(status),
        'content',
        'application/json',
        'schema',
      ]
        .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      v = ajv.compile({ $ref: `mas-admin-api#/${pointer}` });
      validators.set(key, v);
    }
    return v;
  }

  /** calls the emulator and validates the answer against the spec */
  async function call(
    method: string,
    template: string,
    params: Record<string, string> = {},
    body?: unknown,
    query = '',
  ) {
    let url = template;
    for (const [k, v] of Object.entries(params)) url = url.replace(`{${k}}`, encodeURIComponent(v));
    const res = await fetch(`${w.h.url}${url}${query}`, {
      method: method.toUpperCase(),
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    const v = validator(method, template, res.status);
    if (v) {
      const ok = v(json);
      expect(ok, `${method.toUpperCase()} ${url} ${res.status}: ${ajv.errorsText(v.errors)}\n${text}`).toBe(
        true,
      );
    } else expect(text, `${method.toUpperCase()} ${url} ${res.status} has no body in the spec`).toBe('');
    seen.add(`${method} ${template} ${res.status}`);
    return { status: res.status, json: json as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  const id = (r: { json: Record<string, unknown> }) => (r.json.data as { id: string }).id;

  it('server information', async () => {
    expect((await call('get', '/api/admin/v1/version')).json).toEqual({ version: '1.22.0' });
    const site = await call('get', '/api/admin/v1/site-config');
    expect(site.json).toMatchObject({ server_name: 'sandbox.local', password_login_enabled: true });
  });

  it('users: list, filters, pagination, counts', async () => {
    const all = await call('get', '/api/admin/v1/users');
    expect(all.status).toBe(200);
    expect(all.json.meta).toEqual({ count: 3 });
    expect(all.json.links).toEqual({
      self: '/api/admin/v1/users?page[first]=10',
      first: '/api/admin/v1/users?page[first]=10',
      last: '/api/admin/v1/users?page[last]=10',
    });
    const admins = await call('get', '/api/admin/v1/users', {}, undefined, '?filter[admin]=true');
    expect(admins.json.data.map((u: { attributes: { username: string } }) => u.attributes.username)).toEqual([
      'alice',
    ]);
    const locked = await call(
      'get',
      '/api/admin/v1/users',
      {},
      undefined,
      '?filter[status]=locked&count=false',
    );
    expect(locked.json.meta).toBeUndefined();
    expect(locked.json.data).toHaveLength(1);
    const page1 = await call('get', '/api/admin/v1/users', {}, undefined, '?page[first]=2');
    expect(page1.json.data).toHaveLength(2);
    expect(page1.json.links.next).toBe(
      `/api/admin/v1/users?page[after]=${page1.json.data[1].id}&page[first]=2`,
    );
    const page2 = await call(
      'get',
      '/api/admin/v1/users',
      {},
      undefined,
      `?page[first]=2&page[after]=${page1.json.data[1].id}`,
    );
    expect(page2.json.data).toHaveLength(1);
    expect(page2.json.links.next).toBeUndefined();
    const last = await call('get', '/api/admin/v1/users', {}, undefined, '?page[last]=1');
    expect(last.json.links.prev).toBe(
      `/api/admin/v1/users?page[before]=${last.json.data[0].id}&page[last]=1`,
    );
    const only = await call('get', '/api/admin/v1/users', {}, undefined, '?count=only&filter[search]=o');
    expect(only.json).toEqual({
      meta: { count: 2 },
      links: { self: '/api/admin/v1/users?filter[search]=o&count=only' },
    });
    const unknownClient = await call(
      'get',
      '/api/admin/v1/users',
      {},
      undefined,
      `?filter[active-oauth2-client]=${MISSING}`,
    );
    expect(unknownClient.status).toBe(404);
    expect(unknownClient.json).toEqual({ errors: [{ title: `Client ID ${MISSING} not found` }] });
  });

  it('users: create (201, 400, 409), get, by-username, 404', async () => {
    const created = await call('post', '/api/admin/v1/users', {}, { username: 'dave', displayname: 'Dave' });
    expect(created.status).toBe(201);
    expect(w.synapse.users.get('dave')?.displayname).toBe('Dave');
    const dup = await call('post', '/api/admin/v1/users', {}, { username: 'dave' });
    expect(dup).toMatchObject({ status: 409, json: { errors: [{ title: 'User already exists' }] } });
    const invalid = await call('post', '/api/admin/v1/users', {}, { username: 'Dave!' });
    expect(invalid).toMatchObject({ status: 400, json: { errors: [{ title: 'Username is not valid' }] } });
    w.synapse.taken.add('erin');
    const reserved = await call('post', '/api/admin/v1/users', {}, { username: 'erin' });
    expect(reserved).toMatchObject({
      status: 409,
      json: { errors: [{ title: 'Username is reserved by the homeserver' }] },
    });
    const skipped = await call(
      'post',
      '/api/admin/v1/users',
      {},
      { username: 'erin', skip_homeserver_check: true },
    );
    expect(skipped.status).toBe(201);
    expect(
      w.h
        .logs()
        .some((l) =>
          / WARN mas_handlers::admin::v1::users::add:169 POST-\d+ - Skipped homeserver check for username erin$/.test(
            l,
          ),
        ),
    ).toBe(true);
    const got = await call('get', '/api/admin/v1/users/{id}', { id: id(created) });
    expect(got.json.data.attributes.username).toBe('dave');
    const byName = await call('get', '/api/admin/v1/users/by-username/{username}', { username: 'dave' });
    expect(byName.json.links.self).toBe('/api/admin/v1/users/by-username/dave');
    const nobody = await call('get', '/api/admin/v1/users/by-username/{username}', { username: 'nobody' });
    expect(nobody).toMatchObject({
      status: 404,
      json: { errors: [{ title: 'User with username "nobody" not found' }] },
    });
    const missing = await call('get', '/api/admin/v1/users/{id}', { id: MISSING });
    expect(missing).toMatchObject({
      status: 404,
      json: { errors: [{ title: `User ID ${MISSING} not found` }] },
    });
  });

  it('users: set-admin, lock/unlock, deactivate/reactivate, set-password', async () => {
    const bob = id(await call('get', '/api/admin/v1/users/by-username/{username}', { username: 'bob' }));
    expect(
      (await call('post', '/api/admin/v1/users/{id}/set-admin', { id: bob }, { admin: true })).json.data
        .attributes.admin,
    ).toBe(true);
    expect(
      (await call('post', '/api/admin/v1/users/{id}/lock', { id: bob })).json.data.attributes.locked_at,
    ).not.toBeNull();
    expect(
      (await call('post', '/api/admin/v1/users/{id}/unlock', { id: bob })).json.data.attributes.locked_at,
    ).toBeNull();
    const deactivated = await call(
      'post',
      '/api/admin/v1/users/{id}/deactivate',
      { id: bob },
      { skip_erase: true },
    );
    expect(deactivated.json.links.self).toBe(`/api/admin/v1/users/${bob}/deactivate`);
    expect(
      (await call('post', '/api/admin/v1/users/{id}/reactivate', { id: bob })).json.data.attributes
        .deactivated_at,
    ).toBeNull();
    expect(
      (
        await call(
          'post',
          '/api/admin/v1/users/{id}/set-password',
          { id: bob },
          { password: 'correct horse battery staple' },
        )
      ).status,
    ).toBe(204);
    const weak = await call(
      'post',
      '/api/admin/v1/users/{id}/set-password',
      { id: bob },
      { password: 'abc' },
    );
    expect(weak).toMatchObject({ status: 400, json: { errors: [{ title: 'Password is too weak' }] } });
    for (const action of ['set-admin', 'lock', 'unlock', 'deactivate', 'reactivate', 'set-password'])
      expect(
        (
          await call(
            'post',
            `/api/admin/v1/users/{id}/${action}`,
            { id: MISSING },
            action === 'set-admin'
              ? { admin: false }
              : action === 'set-password'
                ? { password: 'x' }
                : undefined,
          )
        ).status,
      ).toBe(404);
  });

  it('user emails: list, create (201, 400, 404, 409), get, delete', async () => {
    const alice = id(await call('get', '/api/admin/v1/users/by-username/{username}', { username: 'alice' }));
    const list = await call('get', '/api/admin/v1/user-emails', {}, undefined, `?filter[user]=${alice}`);
    expect(list.json.data.map((e: { attributes: { email: string } }) => e.attributes.email)).toEqual([
      'alice@example.test',
    ]);
    const added = await call(
      'post',
      '/api/admin/v1/user-emails',
      {},
      { user_id: alice, email: 'alice2@example.test' },
    );
    expect(added.status).toBe(201);
    const inUse = await call(
      'post',
      '/api/admin/v1/user-emails',
      {},
      { user_id: alice, email: 'alice2@example.test' },
    );
    expect(inUse).toMatchObject({
      status: 409,
      json: { errors: [{ title: 'User email "alice2@example.test" already in use' }] },
    });
    const invalid = await call(
      'post',
      '/api/admin/v1/user-emails',
      {},
      { user_id: alice, email: 'not an email' },
    );
    expect(invalid.status).toBe(400);
    const noUser = await call(
      'post',
      '/api/admin/v1/user-emails',
      {},
      { user_id: MISSING, email: 'x@example.test' },
    );
    expect(noUser.status).toBe(404);
    expect((await call('get', '/api/admin/v1/user-emails/{id}', { id: id(added) })).json.data.type).toBe(
      'user-email',
    );
    expect((await call('delete', '/api/admin/v1/user-emails/{id}', { id: id(added) })).status).toBe(204);
    expect((await call('get', '/api/admin/v1/user-emails/{id}', { id: id(added) })).status).toBe(404);
    expect((await call('delete', '/api/admin/v1/user-emails/{id}', { id: id(added) })).status).toBe(404);
    expect(
      (await call('get', '/api/admin/v1/user-emails', {}, undefined, `?filter[user]=${MISSING}`)).status,
    ).toBe(404);
  });

  it('upstream links: 201 new, 200 attaching an unassociated link, 409 already linked, 404s', async () => {
    const bob = id(await call('get', '/api/admin/v1/users/by-username/{username}', { username: 'bob' }));
    const fresh = await call(
      'post',
      '/api/admin/v1/upstream-oauth-links',
      {},
      { user_id: bob, provider_id: PROVIDER, subject: 'sub-bob', human_account_name: 'bob@idp' },
    );
    expect(fresh.status).toBe(201);
    const attach = await call(
      'post',
      '/api/admin/v1/upstream-oauth-links',
      {},
      { user_id: bob, provider_id: PROVIDER, subject: 'orphan' },
    );
    expect(attach.status).toBe(200);
    expect(attach.json.data.attributes.user_id).toBe(bob);
    const taken = await call(
      'post',
      '/api/admin/v1/upstream-oauth-links',
      {},
      { user_id: bob, provider_id: PROVIDER, subject: 'sub-alice' },
    );
    expect(taken).toMatchObject({
      status: 409,
      json: {
        errors: [
          {
            title: `Upstream Oauth 2.0 Provider ID ${PROVIDER} with subject sub-alice is already linked to a user`,
          },
        ],
      },
    });
    const noUser = await call(
      'post',
      '/api/admin/v1/upstream-oauth-links',
      {},
      { user_id: MISSING, provider_id: PROVIDER, subject: 'x' },
    );
    expect(noUser).toMatchObject({
      status: 404,
      json: { errors: [{ title: `User ID ${MISSING} not found` }] },
    });
    const noProvider = await call(
      'post',
      '/api/admin/v1/upstream-oauth-links',
      {},
      { user_id: bob, provider_id: MISSING, subject: 'x' },
    );
    expect(noProvider).toMatchObject({
      status: 404,
      json: { errors: [{ title: `Upstream OAuth 2.0 Provider ID ${MISSING} not found` }] },
    });
    const filtered = await call(
      'get',
      '/api/admin/v1/upstream-oauth-links',
      {},
      undefined,
      `?filter[user]=${bob}&filter[provider]=${PROVIDER}`,
    );
    expect(filtered.json.meta.count).toBe(2);
    expect(
      (await call('get', '/api/admin/v1/upstream-oauth-links', {}, undefined, '?filter[subject]=sub-alice'))
        .json.meta.count,
    ).toBe(1);
    expect(
      (await call('get', '/api/admin/v1/upstream-oauth-links/{id}', { id: id(fresh) })).json.data.attributes
        .human_account_name,
    ).toBe('bob@idp');
    expect((await call('delete', '/api/admin/v1/upstream-oauth-links/{id}', { id: id(fresh) })).status).toBe(
      204,
    );
    expect((await call('get', '/api/admin/v1/upstream-oauth-links/{id}', { id: id(fresh) })).status).toBe(
      404,
    );
    expect((await call('delete', '/api/admin/v1/upstream-oauth-links/{id}', { id: id(fresh) })).status).toBe(
      404,
    );
    expect(
      (await call('get', '/api/admin/v1/upstream-oauth-links', {}, undefined, `?filter[provider]=${MISSING}`))
        .status,
    ).toBe(404);
  });

  it('upstream providers: list with filter[enabled], get, 404', async () => {
    const list = await call(
      'get',
      '/api/admin/v1/upstream-oauth-providers',
      {},
      undefined,
      '?filter[enabled]=true',
    );
    expect(list.json.data.map((p: { id: string }) => p.id)).toEqual([PROVIDER]);
    expect(list.json.links.self).toBe(
      '/api/admin/v1/upstream-oauth-providers?filter[enabled]=true&page[first]=10',
    );
    const one = await call('get', '/api/admin/v1/upstream-oauth-providers/{id}', { id: PROVIDER });
    expect(one.json.data.attributes).toMatchObject({
      issuer: 'https://idp.example/',
      disabled_at: null,
      registration_token_required: false,
    });
    expect((await call('get', '/api/admin/v1/upstream-oauth-providers/{id}', { id: MISSING })).json).toEqual({
      errors: [{ title: 'Provider not found' }],
    });
  });

  it('the validators reject bodies that break the schema (the check can fail)', () => {
    const getUser = validator('get', '/api/admin/v1/users/{id}', 200)!;
    expect(
      getUser({
        data: { type: 'user', id: 'not-a-ulid', attributes: {}, links: { self: '/x' } },
        links: { self: '/x' },
      }),
    ).toBe(false);
    expect(
      getUser({
        data: {
          type: 'user',
          id: MISSING,
          attributes: { username: 'x', created_at: 'yesterday', admin: false, legacy_guest: false },
          links: { self: '/x' },
        },
        links: { self: '/x' },
      }),
    ).toBe(false);
    expect(validator('get', '/api/admin/v1/users', 404)!({ error: 'not found' })).toBe(false);
    expect(() => validator('get', '/api/admin/v1/users/{id}', 418)).toThrow(/not documented/);
  });

  it('covered every emulated operation with at least one successful call', () => {
    for (const [method, template] of EMULATED) {
      const ok = [...seen].some((s) => s.startsWith(`${method} ${template} 2`));
      expect(ok, `${method.toUpperCase()} ${template} was never called successfully`).toBe(true);
    }
  });
});
