import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SsochainConfig } from '../config/schema.js';
import { SEED_CLIENT_ID, SEED_CLIENT_SECRET, SEED_MAS_PROVIDER_ID } from '../sandbox/authentik/index.js';
import { EMULATORS } from '../sandbox/registry.js';
import { startStack, type Stack } from '../sandbox/stack.js';
import { Secret } from '../snapshot/secret.js';
import type { AuthentikFacts, Fetched, MasConfigFacts } from '../snapshot/types.js';
import { authentikSource, maskContext, sampleUsernames, USER_CAP } from './authentik.js';
import type { FetchLike } from './http.js';
import type { SnapshotPart, SourceContext } from './source.js';

/**
 * The Authentik source against the Authentik emulator (loopback only): what a healthy stack
 * yields, and that every failure (bad token, missing permission, injected faults) is a non-ok
 * part with a plain sentence, never a throw.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(yaml: string[] = []): Promise<Stack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-aksrc-'));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    ['name: authentik-source', ...yaml, 'expect: {brokenLink: null, findings: []}'].join('\n'),
  );
  stack = await startStack({ scenarioFile: file, emulators: { authentik: EMULATORS.authentik! } });
  return stack;
}

function context(s: Stack, over: Partial<SourceContext> & { token?: string } = {}): SourceContext {
  const token = over.token ?? s.services.authentik!.info().api_token!;
  const config = {
    authentik: { url: s.urls.authentik, token: { value: token } },
    timeouts: { default: 5000 },
    concurrency: 8,
  } as SsochainConfig;
  return {
    config,
    secret: async (ref) => new Secret((ref as { value: string }).value),
    fetch,
    timeoutMs: 5000,
    ...over,
  };
}

function masEarlier(clientId = SEED_CLIENT_ID): SnapshotPart {
  const data: MasConfigFacts = {
    origin: 'test',
    providers: [
      {
        id: SEED_MAS_PROVIDER_ID,
        enabled: true,
        client_id: clientId,
        id_token_signed_response_alg: 'RS256',
        scope: 'openid profile email',
        discovery_mode: 'oidc',
        fetch_userinfo: false,
        claims_imports: {},
      },
    ],
    matrix: {},
    adminApiEnabled: false,
    raw: {},
  };
  return { masConfig: { status: 'ok', ms: 1, data } };
}

function ok(part: SnapshotPart): AuthentikFacts {
  const a = part.authentik as Fetched<AuthentikFacts>;
  if (a.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.data;
}

describe('authentik source against the emulator', () => {
  it('fills the facts of the seed, with the secret opaque and the focus user looked at', async () => {
    const s = await start();
    const part = await authentikSource.collect(context(s, { user: 'boje' }), masEarlier());
    const facts = ok(part);
    expect(facts.version).toBe('2026.8.3');
    expect(facts.url).toBe(s.urls.authentik);
    expect(facts.gaps).toBeUndefined();
    const p = facts.providers[0]!;
    expect(p).toMatchObject({
      pk: 1,
      name: 'matrix-provider',
      client_type: 'confidential',
      client_id: SEED_CLIENT_ID,
      assigned_application_slug: 'matrix',
      include_claims_in_id_token: true,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [
        {
          matching_mode: 'strict',
          url: `${s.urls.mas}/upstream/callback/${SEED_MAS_PROVIDER_ID}`,
          redirect_uri_type: 'authorization',
        },
      ],
    });
    expect(p.client_secret).toBeInstanceOf(Secret);
    expect((p.client_secret as Secret).equals(SEED_CLIENT_SECRET)).toBe(true);
    expect(facts.applications).toEqual([
      expect.objectContaining({ slug: 'matrix', name: 'Matrix', provider: 1 }),
    ]);
    expect(facts.scopeMappings.map((m) => m.scope_name).sort()).toEqual([
      'email',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(p.property_mappings).toHaveLength(4);
    expect(facts.keypairs).toEqual([
      expect.objectContaining({ pk: p.signing_key, key_type: 'rsa', private_key_available: true }),
    ]);

    const enrollment = facts.flows.find((f) => f.designation === 'enrollment')!;
    expect(enrollment.slug).toBe('default-enrollment-flow');
    expect(enrollment.authentication).toBe('require_unauthenticated');
    expect(enrollment.stages.map((b) => [b.order, b.stage.component])).toEqual([
      [10, 'ak-stage-prompt-form'],
      [20, 'ak-stage-user-write-form'],
      [100, 'ak-stage-user-login-form'],
    ]);
    expect(enrollment.stages[0]!.stage.settings.fields).toEqual(['username', 'name', 'email', 'password']);
    expect(enrollment.stages[1]!.stage.settings).toMatchObject({
      user_creation_mode: 'always_create',
      create_users_as_inactive: false,
    });
    const login = facts.flows.find((f) => f.slug === 'default-authentication-flow')!;
    expect(facts.enrollmentLinks).toEqual([
      {
        stage: 'default-authentication-identification',
        enrollmentFlow: enrollment.pk,
        via: 'identification',
      },
    ]);
    expect(facts.brands).toEqual([
      { domain: 'authentik-default', default: true, flowAuthentication: login.pk },
    ]);
    expect(facts.invitations).toEqual([]);

    expect(facts.users.map((u) => u.username)).toEqual(['akadmin', 'boje']);
    const boje = facts.users.find((u) => u.username === 'boje')!;
    expect(boje).toMatchObject({ pk: 7, is_active: true, email: 'boje@example.org', type: 'external' });
    expect(boje.uid).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.events.map((e) => e.action)).toEqual(['login', 'user_write', 'model_created']);
    expect(JSON.stringify(facts.events)).not.toContain('********************'); // passwords stay masked

    expect(facts.access).toEqual([{ application: 'matrix', username: 'boje', passing: true, messages: [] }]);
    expect(facts.claimsPreview).toHaveLength(1);
    expect(facts.claimsPreview[0]).toMatchObject({
      provider: 1,
      username: 'boje',
      claims: { preferred_username: 'boje', email: 'boje@example.org', email_verified: false, sub: boje.uid },
    });

    const text = JSON.stringify(part);
    expect(text).not.toContain(SEED_CLIENT_SECRET);
    expect(text).not.toContain(s.services.authentik!.info().api_token);
  });

  it('without a focus user, samples recently created users for check_access and preview_user', async () => {
    const s = await start([
      'authentik:',
      '  users:',
      '    mallory: {name: Mallory, email: mallory@example.org, is_active: false}',
      '  applications:',
      '    matrix:',
      '      policies: [{group: "authentik Admins"}]',
      '  events:',
      '    - {action: login_failed, context: {username: mallory}, created: "2026-06-01T00:00:00.000000Z"}',
    ]);
    const facts = ok(await authentikSource.collect(context(s), masEarlier()));
    // mallory failed most recently, boje was created by the enrollment flow
    expect(facts.access).toEqual([
      expect.objectContaining({ application: 'matrix', username: 'boje', passing: false }),
      expect.objectContaining({ application: 'matrix', username: 'mallory', passing: false }),
    ]);
    expect(facts.claimsPreview.map((c) => c.username)).toEqual(['boje', 'mallory']);
    expect(facts.users.find((u) => u.username === 'mallory')?.is_active).toBe(false);
  });

  it('reads old servers: redirect_uris as one string of regexes, no grant_types', async () => {
    const s = await start();
    // an Authentik 2024.8 answer, produced by rewriting the emulator's
    const legacy: FetchLike = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if (!/\/providers\/oauth2\/\?/.test(url) && !/\/admin\/version\//.test(url)) return res;
      const body = (await res.json()) as Record<string, unknown>;
      if (/admin\/version/.test(url)) body.version_current = '2024.8.3';
      else
        for (const p of body.results as Record<string, unknown>[]) {
          p.redirect_uris = `${s.urls.mas}/upstream/callback/.*\nhttps://other.example/cb`;
          delete p.grant_types;
        }
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const facts = ok(await authentikSource.collect(context(s, { fetch: legacy }), masEarlier()));
    expect(facts.version).toBe('2024.8.3');
    expect(facts.providers[0]!.redirect_uris).toEqual([
      { matching_mode: 'regex', url: `${s.urls.mas}/upstream/callback/.*` },
      { matching_mode: 'regex', url: 'https://other.example/cb' },
    ]);
    expect(facts.providers[0]!.grant_types).toBeUndefined();
  });

  it('pages through users at once and records the cut at the cap', async () => {
    const s = await start();
    const pages: number[] = [];
    const many: FetchLike = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.pathname !== '/api/v3/core/users/' || url.searchParams.has('username'))
        return fetch(input, init);
      const page = Number(url.searchParams.get('page'));
      const size = Number(url.searchParams.get('page_size'));
      pages.push(page);
      const total = USER_CAP + 250;
      const results = Array.from({ length: size }, (_, i) => {
        const n = (page - 1) * size + i + 1;
        return {
          pk: n,
          username: `user${n}`,
          name: `User ${n}`,
          is_active: true,
          email: `u${n}@example.org`,
        };
      });
      const totalPages = Math.ceil(total / size);
      return Response.json({
        pagination: {
          next: page < totalPages ? page + 1 : 0,
          count: total,
          current: page,
          total_pages: totalPages,
        },
        results,
        autocomplete: {},
      });
    };
    const facts = ok(await authentikSource.collect(context(s, { fetch: many }), masEarlier()));
    expect(facts.users).toHaveLength(USER_CAP);
    expect(pages.sort((a, b) => a - b)).toEqual(Array.from({ length: USER_CAP / 100 }, (_, i) => i + 1));
    expect(facts.truncated).toEqual([{ part: 'users', fetched: USER_CAP, total: USER_CAP + 250 }]);
  });
});

describe('authentik source failures are data, never throws', () => {
  it('an unknown token: error, saying the token was not accepted', async () => {
    const s = await start();
    const part = await authentikSource.collect(context(s, { token: 'not-a-token' }), masEarlier());
    expect(part.authentik).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_AUTH', status: 403 },
    });
    const message = (part.authentik as { error: { message: string } }).error.message;
    expect(message).toContain('did not accept the API token');
    expect(message).toContain('Token invalid/expired');
    expect(JSON.stringify(part)).not.toContain('not-a-token');
  });

  it('a token whose user is no superuser: 403, naming the permission it lacks', async () => {
    const s = await start(['authentik:', '  api_token_user: boje']);
    const part = await authentikSource.collect(context(s), masEarlier());
    expect(part.authentik).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_FORBIDDEN', status: 403 },
    });
    const message = (part.authentik as { error: { message: string } }).error.message;
    expect(message).toContain('authentik_providers_oauth2.view_oauth2provider');
    expect(message).toContain('You do not have permission to perform this action.');
  });

  it.each([
    [{ status: 500 }, 'error', 'ERR_SOURCE_HTTP_STATUS', /HTTP 500/],
    [{ reset: true }, 'unreachable', 'ERR_SOURCE_CONNECT', /closed the connection/],
    [{ malformed: true }, 'error', 'ERR_SOURCE_NOT_JSON', /not valid JSON/],
  ])('fault %j on the api group', async (fault, status, code, words) => {
    const s = await start();
    s.setFaults('authentik', { api: fault });
    const part = await authentikSource.collect(context(s), masEarlier());
    expect(part.authentik).toMatchObject({ status, error: { code } });
    expect((part.authentik as { error: { message: string } }).error.message).toMatch(words);
  });

  it('a timeout is a plain sentence with the time waited', async () => {
    const s = await start();
    s.setFaults('authentik', { api: { latencyMs: 400 } });
    const part = await authentikSource.collect(context(s, { timeoutMs: 100 }), masEarlier());
    expect(part.authentik).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_TIMEOUT' } });
    expect((part.authentik as { error: { message: string } }).error.message).toMatch(/within 100 ms/);
  });

  it('nothing listening: unreachable, connection refused', async () => {
    const s = await start();
    const url = s.urls.authentik;
    await s.close();
    stack = undefined;
    const ctx = context(s);
    ctx.config = { ...ctx.config, authentik: { url, token: { value: 'x' } } };
    const part = await authentikSource.collect(ctx, masEarlier());
    expect(part.authentik).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_CONNECT' } });
    expect((part.authentik as { error: { message: string } }).error.message).toMatch(/connection refused/);
  });

  it('a part failing while the core works is a gap, and the rest is still read', async () => {
    const s = await start();
    const partial: FetchLike = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/events/events/') || url.includes('/admin/version/'))
        return Response.json(
          { detail: 'You do not have permission to perform this action.' },
          { status: 403 },
        );
      return fetch(input, init);
    };
    const facts = ok(
      await authentikSource.collect(context(s, { fetch: partial, user: 'boje' }), masEarlier()),
    );
    expect(facts.providers).toHaveLength(1);
    expect(facts.events).toEqual([]);
    expect(facts.version).toBeUndefined(); // not a gap: it only refines judgements
    expect(facts.gaps).toEqual([
      {
        part: 'events',
        error: expect.objectContaining({
          code: 'ERR_SOURCE_FORBIDDEN',
          message: expect.stringContaining('authentik_events.view_event'),
        }),
      },
    ]);
  });

  it('no authentik section: skipped; a credential that cannot be read: a config error', async () => {
    const s = await start();
    const ctx = context(s);
    expect(
      await authentikSource.collect({ ...ctx, config: { ...ctx.config, authentik: undefined } }, {}),
    ).toEqual({
      authentik: { status: 'skipped', reason: 'no authentik section in the ssochain config' },
    });
    const broken = await authentikSource.collect(
      {
        ...ctx,
        secret: async () => {
          throw new Error('environment variable AK_TOKEN is not set');
        },
      },
      {},
    );
    expect(broken.authentik).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_CONFIG', message: expect.stringContaining('AK_TOKEN is not set') },
    });
  });
});

describe('maskContext', () => {
  it('masks credential keys and credential query parameters in event contexts', () => {
    expect(
      maskContext({
        password: 'hunter2',
        username: 'boje',
        http_request: {
          args: { query: 'next=%2Fapplication%2Fo%2Fauthorize%2F&itoken=4c0f&code=abc&state=xyz' },
          path: '/if/flow/enroll/',
        },
        redirect_uri: 'https://mas.example.org/upstream/callback/01ABC?code=secret-code',
      }),
    ).toEqual({
      password: '********',
      username: 'boje',
      http_request: {
        args: {
          query: 'next=%2Fapplication%2Fo%2Fauthorize%2F&itoken=********&code=********&state=********',
        },
        path: '/if/flow/enroll/',
      },
      redirect_uri: 'https://mas.example.org/upstream/callback/01ABC?code=********',
    });
  });
});

describe('sampleUsernames', () => {
  it('puts failures before creations, dedupes and caps', () => {
    const e = (action: string, extra: Record<string, unknown>) => ({
      pk: '',
      action,
      created: '2026-01-01T00:00:00Z',
      context: {},
      ...extra,
    });
    expect(
      sampleUsernames(
        [
          e('user_write', { username: 'new1', context: { created: true } }),
          e('login_failed', { username: 'AnonymousUser', context: { username: 'typo' } }),
          e('configuration_error', { username: 'AnonymousUser' }),
          e('property_mapping_exception', { username: 'boje' }),
          e('model_created', { context: { model: { model_name: 'user', name: 'new2' } } }),
          e('user_write', { username: 'boje', context: { created: false } }),
          e('login_failed', { context: { username: 'typo' } }),
        ],
        3,
      ),
    ).toEqual(['typo', 'boje', 'new1']);
  });
});
