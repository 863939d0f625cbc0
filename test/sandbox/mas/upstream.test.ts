import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { grepLogs, providerYaml, startWorld, testConfig, type World } from './helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((c) => c()));
  cleanup = [];
});

const onlyLink = (u: string) => u.includes('/upstream/link/');
const atHome = (u: string) => new URL(u).pathname === '/';

/** signs in through /login and returns the page MAS finally shows */
async function signIn(w: World) {
  return w.browser.follow(`${w.h.url}/login`);
}

describe('MAS emulator: configuration as MAS reads it', () => {
  it('ignores Synapse-style keys: /login then offers no provider', async () => {
    const w = await startWorld(
      {
        config: () =>
          testConfig({
            extra: `oidc_providers:
  - idp_id: authentik
    idp_name: Authentik
    issuer: "https://auth.example.com/application/o/matrix/"
    client_id: x
    client_secret: y
    scopes: [openid, profile]
    user_mapping_provider:
      config:
        localpart_template: "{{ user.preferred_username }}"
upstream_oauth2_config:
  providers: []
`,
          }),
      },
      cleanup,
    );
    expect(w.h.mas.running).toBe(true);
    const page = await w.browser.request(`${w.h.url}/login`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Continue with');
    expect(page.body).toContain('No login methods available.');
  });

  it('redirects /login to the only provider when passwords are disabled, lists it otherwise', async () => {
    const w = await startWorld({}, cleanup);
    const res = await w.browser.request(
      `${w.h.url}/login?kind=continue_authorization_grant&id=01KQDJTR1ZVTG8JQ220F5BNBFZ`,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      '/upstream/authorize/01KQDJTR1ZVTG8JQ220F5BNBFZ?kind=continue_authorization_grant&id=01KQDJTR1ZVTG8JQ220F5BNBFZ',
    );
    const w2 = await startWorld({ passwords: true }, cleanup);
    const page = await w2.browser.request(`${w2.h.url}/login`);
    expect(page.body).toContain('Continue with Authentik');
    expect(page.body).toContain('href="/upstream/authorize/01KQDJTR1ZVTG8JQ220F5BNBFZ"');
  });

  it('sends state, nonce, PKCE and the exact redirect_uri to the provider', async () => {
    const w = await startWorld({}, cleanup);
    await w.browser.follow(`${w.h.url}/login`, onlyLink);
    const q = w.idp.authorizeRequests[0]!;
    expect(q.get('redirect_uri')).toBe(`${w.h.url}/upstream/callback/01KQDJTR1ZVTG8JQ220F5BNBFZ`);
    expect(q.get('client_id')).toBe('matrix-client-id');
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('nonce')).toMatch(/^\w{16}$/);
    expect(w.browser.cookie(w.h.url, 'upstream-oauth2-sessions')).toBeTruthy();
    const basic = w.idp.tokenRequests[0]!.headers.authorization!;
    expect(Buffer.from(basic.slice(6), 'base64').toString()).toBe(
      'matrix-client-id:matrix-client-secret-sandbox',
    );
  });
});

describe('MAS emulator: discovery and id_token verification', () => {
  it('strict discovery: a trailing-slash mismatch gives IssuerUrlsDontMatch, on the page and in the log', async () => {
    const w = await startWorld(
      {
        provider: (idp) =>
          providerYaml({ issuer: idp.issuer.replace(/\/$/, '') }, { discovery_mode: 'oidc' }),
      },
      cleanup,
    );
    const expected = w.idp.issuer.replace(/\/$/, '');
    const message = `issuer URLs don't match: expected "${expected}", got "${w.idp.issuer}"`;
    const warm = grepLogs(w.h, /Failed to fetch provider metadata/);
    expect(warm).toHaveLength(1);
    expect(warm[0]).toMatch(
      new RegExp(
        ` ERROR mas_handlers::upstream_oauth2::cache:193 metadata-cache-warmup-\\d+ - Failed to fetch provider metadata issuer=${expected} error=Fetching provider metadata failed error\\.sources=\\[`,
      ),
    );
    const page = await signIn(w);
    expect(page.status).toBe(500);
    expect(page.body).toContain('Fetching provider metadata failed');
    expect(page.body).toContain(message.replace(/"/g, '&#34;').replace(/'/g, '&#39;'));
    const line = grepLogs(w.h, /fancy_error:67/)[0]!;
    expect(line).toMatch(
      / ERROR mas_axum_utils::fancy_error:67 GET-\d+ - Fetching provider metadata failed message\.sources=\[/,
    );
    expect(line).toContain(message);
  });

  it('strict discovery refuses http URLs once the issuer matches', async () => {
    const w = await startWorld({ provider: (idp) => providerYaml(idp, { discovery_mode: 'oidc' }) }, cleanup);
    await signIn(w);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toContain(
      `issuer's URL doesn't use a https scheme: ${w.idp.issuer}`,
    );
  });

  it('insecure discovery skips the issuer compare, but the id_token `iss` check still fails', async () => {
    const w = await startWorld(
      { provider: (idp) => providerYaml({ issuer: idp.issuer.replace(/\/$/, '') }) },
      cleanup,
    );
    const page = await signIn(w);
    expect(page.status).toBe(500);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toMatch(
      / - could not validate claim "iss" message\.sources=\[Values don't match\]$/,
    );
  });

  it('HS256 with an empty JWKS object ({}): Failed to fetch JWKS / missing field `keys`', async () => {
    const w = await startWorld({ idp: { signing: 'HS256', jwks: 'empty-object' } }, cleanup);
    const page = await signIn(w);
    expect(page.status).toBe(500);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toMatch(
      / - Failed to fetch JWKS message\.sources=\[error decoding response body, missing field `keys` at line 1 column 2\]$/,
    );
  });

  it('HS256 with {"keys":[]}: none of the keys worked (MAS never verifies HS*)', async () => {
    const w = await startWorld({ idp: { signing: 'HS256', jwks: 'empty-keys' } }, cleanup);
    await signIn(w);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toMatch(
      / ERROR mas_axum_utils::fancy_error:67 GET-\d+ - none of the keys worked$/,
    );
  });

  it('an EC key with the default RS256: wrong signature alg; ES256 configured: success', async () => {
    const w = await startWorld({ idp: { signing: 'ES256' } }, cleanup);
    await signIn(w);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toMatch(/ - wrong signature alg$/);
    const ok = await startWorld(
      {
        idp: { signing: 'ES256' },
        provider: (idp) => providerYaml(idp, { id_token_signed_response_alg: 'ES256' }),
      },
      cleanup,
    );
    const page = await signIn(ok);
    expect(page.body).toContain('Create a new account');
  });

  it('a token endpoint rejecting the client secret: Request to the token endpoint failed', async () => {
    const w = await startWorld({ provider: (idp) => providerYaml(idp, { client_secret: 'wrong' }) }, cleanup);
    await signIn(w);
    expect(grepLogs(w.h, /fancy_error:67/)[0]).toContain(
      'Request to the token endpoint failed message.sources=[Request to the provider failed with the following error: "invalid_client": Client authentication failed',
    );
  });

  it('TLS: an untrusted certificate gives UnknownIssuer; trustCa fixes it', async () => {
    const tls = {
      key: readFileSync(path.join(fixtures, 'localhost-test.key.pem'), 'utf8'),
      cert: readFileSync(path.join(fixtures, 'localhost-test.cert.pem'), 'utf8'),
    };
    const w = await startWorld({ idp: { tls } }, cleanup);
    expect(grepLogs(w.h, /Failed to fetch provider metadata/)[0]).toContain(
      'error.sources=[error sending request for url (',
    );
    expect(grepLogs(w.h, /Failed to fetch provider metadata/)[0]).toContain(
      'invalid peer certificate: UnknownIssuer]',
    );
    const trusted = await startWorld({ idp: { tls }, section: { trustCa: [tls.cert] } }, cleanup);
    trusted.browser.ca = [tls.cert];
    expect(grepLogs(trusted.h, /Failed to fetch provider metadata/)).toEqual([]);
    expect((await signIn(trusted)).body).toContain('Create a new account');
  });
});

describe('MAS emulator: claims_imports', () => {
  it('renders localpart templates with MiniJinja filters', async () => {
    const w = await startWorld(
      {
        provider: (idp) =>
          providerYaml(idp, {
            claims_imports: `{localpart: {action: require, template: "{{ user.email | split('@') | first | lower }}"}}`,
          }),
      },
      cleanup,
    );
    w.idp.user = { sub: 'x1', claims: { email: 'Anna.B@Example.test' } };
    const page = await signIn(w);
    expect(page.body).toContain('<strong class="forced-username">anna.b</strong>');
  });

  it('require + empty render: the Template … rendered to an empty string error (issue #4736)', async () => {
    const w = await startWorld({}, cleanup);
    w.idp.user = { sub: 'x2', claims: { email: 'x@example.test' } };
    const page = await signIn(w);
    expect(page.status).toBe(500);
    expect(page.body).toContain(
      'Template &#34;{{ user.preferred_username }}&#34; rendered to an empty string',
    );
    expect(grepLogs(w.h, /fancy_error:38/)[0]).toMatch(
      / WARN mas_axum_utils::fancy_error:38 GET-\d+ - Template "\{\{ user\.preferred_username \}\}" rendered to an empty string$/,
    );
    // link.rs records the error first (record_error!), then GenericError logs it again
    expect(grepLogs(w.h, /rendered to an empty string/)[0]).toMatch(
      / ERROR mas_handlers::upstream_oauth2::link:141 GET-\d+ - Template "\{\{ user\.preferred_username \}\}" rendered to an empty string$/,
    );
  });

  it('fetch_userinfo: claims only the userinfo endpoint returns become available', async () => {
    const w = await startWorld(
      {
        idp: { userinfoClaims: { preferred_username: 'from-userinfo' } },
        provider: (idp) => providerYaml(idp, { fetch_userinfo: 'true' }),
      },
      cleanup,
    );
    w.idp.user = { sub: 'x3', claims: {} };
    const page = await signIn(w);
    expect(page.body).toContain('<strong class="forced-username">from-userinfo</strong>');
  });

  it('suggest: an empty or refused suggestion is ignored, the user picks a name', async () => {
    const w = await startWorld(
      {
        provider: (idp) =>
          providerYaml(idp, {
            claims_imports: `{localpart: {action: suggest, template: "{{ user.preferred_username }}"}}`,
          }),
      },
      cleanup,
    );
    w.idp.user = { sub: 'x4', claims: { preferred_username: 'Not.Valid' } };
    const page = await signIn(w);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<input name="username" value="">');
    expect(grepLogs(w.h, /which was denied by the policy/)[0]).toContain(
      'Upstream provider returned a localpart "Not.Valid" which was denied by the policy (username contains invalid characters). As the username is just a suggestion, it was ignored.',
    );
    // an empty suggestion is no error either
    w.idp.user = { sub: 'x4b', claims: {} };
    const empty = await w.browser.follow(`${w.h.url}/login`);
    expect(empty.status).toBe(200);
    expect(empty.body).toContain('<input name="username" value="">');
    const step = await w.browser.submit(page, 'upstream-register', { username: 'chosen' }, atHome);
    // nothing imported a display name: MAS asks for one before creating the user
    expect(step.body).toContain('Choose your display name');
    const done = await w.browser.submit(step, 'display-name', { display_name: 'Chosen One' }, atHome);
    expect(done.status).toBe(303);
    expect(w.h.mas.state().users.map((u) => u.username)).toEqual(['chosen']);
  });

  it('require + policy violation: the Policy error page', async () => {
    const w = await startWorld({}, cleanup);
    w.idp.user = { sub: 'x5', claims: { preferred_username: 'Boje' } };
    const page = await signIn(w);
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-error-code="Policy error"');
    expect(page.body).toContain(
      'Upstream account provider returned &#34;Boje&#34; as username, which does not pass the policy check: username contains invalid characters',
    );
    w.idp.user = { sub: 'x6', claims: { preferred_username: '4711' } };
    const numeric = await w.browser.follow(`${w.h.url}/login`);
    expect(numeric.body).toContain('username must contain at least one non-numeric character');
  });

  it('banned usernames from policy.data', async () => {
    const w = await startWorld(
      {
        section: {
          configFragments: [
            'policy:\n  data:\n    registration:\n      banned_usernames:\n        literals: [boje]\n',
          ],
        },
      },
      cleanup,
    );
    expect((await signIn(w)).body).toContain('which does not pass the policy check: username is banned');
  });

  it('skip_confirmation registers on the fly', async () => {
    const w = await startWorld(
      {
        provider: (idp) =>
          providerYaml(idp, {
            claims_imports:
              '{skip_confirmation: true, localpart: {action: require}, displayname: {action: force}, email: {action: force}}',
          }),
      },
      cleanup,
    );
    const res = await w.browser.follow(`${w.h.url}/login`, atHome);
    expect(res.status).toBe(303);
    expect(w.h.mas.state().users).toMatchObject([{ username: 'boje', emails: ['boje@example.test'] }]);
  });

  it('the display-name step appears when no display name was imported', async () => {
    const w = await startWorld(
      {
        provider: (idp) =>
          providerYaml(idp, { claims_imports: '{skip_confirmation: true, localpart: {action: require}}' }),
      },
      cleanup,
    );
    const step = await signIn(w);
    expect(step.body).toContain('Choose your display name');
    await w.browser.submit(step, 'display-name', { action: 'skip' }, atHome);
    await w.h.mas.worker.idle();
    expect(w.synapse.users.get('boje')?.displayname).toBe('boje');
  });
});

describe('MAS emulator: existing accounts', () => {
  const existing = { users: [{ username: 'boje', emails: ['boje@old.example'] }] };

  it('a MAS user without a link: User exists (on_conflict: fail)', async () => {
    const w = await startWorld({ section: existing }, cleanup);
    const page = await signIn(w);
    expect(page.body).toContain('data-error-code="User exists"');
    expect(page.body).toContain(
      'Upstream account provider returned &#34;boje&#34; as username, which is not linked to that upstream account. Your homeserver does not allow linking an upstream account to an existing account',
    );
    expect(grepLogs(w.h, /already used by another user/)[0]).toMatch(
      / WARN mas_handlers::upstream_oauth2::link:503 GET-\d+ - Upstream provider returned a localpart "boje" which is already used by another user\. Configuration doesn't allow for automatic linking of existing users\. upstream_oauth_provider\.id=01KQDJTR1ZVTG8JQ220F5BNBFZ upstream_oauth_link\.id=\w+ user\.id=\w+$/,
    );
  });

  it('on_conflict: add links the existing user and signs in', async () => {
    const w = await startWorld(
      {
        section: existing,
        provider: (idp) =>
          providerYaml(idp, {
            claims_imports: '{localpart: {action: require, on_conflict: add}, email: {action: suggest}}',
          }),
      },
      cleanup,
    );
    const res = await w.browser.follow(`${w.h.url}/login`, atHome);
    expect(res.status).toBe(303);
    const state = w.h.mas.state();
    expect(state.links).toMatchObject([{ subject: 'sub-boje', userId: state.users[0]!.id }]);
    expect(grepLogs(w.h, /matched an existing user, linking/)).toHaveLength(1);
  });

  it('on_conflict: set refuses a user who already has a link to the provider; replace swaps it', async () => {
    const withLink = {
      users: [
        {
          username: 'boje',
          upstreamLinks: [{ provider: '01KQDJTR1ZVTG8JQ220F5BNBFZ', subject: 'old-subject' }],
        },
      ],
    };
    const conflict = (mode: string) => (idp: Parameters<typeof providerYaml>[0]) =>
      providerYaml(idp, { claims_imports: `{localpart: {action: require, on_conflict: ${mode}}}` });
    const set = await startWorld({ section: withLink, provider: conflict('set') }, cleanup);
    const page = await signIn(set);
    expect(page.body).toContain('data-error-code="User exists"');
    expect(page.body).toContain(
      'Upstream account provider returned &#34;boje&#34; as username, but this user already has an existing link to this provider. Your homeserver does not allow replacing upstream account links automatically.',
    );
    expect(grepLogs(set.h, /who already has 1 link\(s\) to this provider/)).toHaveLength(1);

    const replace = await startWorld({ section: withLink, provider: conflict('replace') }, cleanup);
    expect((await replace.browser.follow(`${replace.h.url}/login`, atHome)).status).toBe(303);
    expect(replace.h.mas.state().links.map((l) => l.subject)).toEqual(['sub-boje']);
    expect(grepLogs(replace.h, /matched an existing user, replaced 1 links/)).toHaveLength(1);
  });

  it('a pre-existing link signs the user straight in; a locked user sees the inactive page', async () => {
    const linked = {
      users: [
        {
          username: 'boje',
          upstreamLinks: [{ provider: '01KQDJTR1ZVTG8JQ220F5BNBFZ', subject: 'sub-boje' }],
        },
      ],
    };
    const w = await startWorld({ section: linked }, cleanup);
    expect((await w.browser.follow(`${w.h.url}/login`, atHome)).status).toBe(303);
    const locked = await startWorld({ section: { users: [{ ...linked.users[0], locked: true }] } }, cleanup);
    expect((await signIn(locked)).body).toContain('Account locked');
  });

  it('a localpart that only Synapse knows: Localpart not available (issue #5216), whatever on_conflict says', async () => {
    const w = await startWorld(
      {
        section: { logLevel: 'debug' },
        provider: (idp) =>
          providerYaml(idp, { claims_imports: '{localpart: {action: require, on_conflict: add}}' }),
      },
      cleanup,
    );
    w.synapse.taken.add('boje');
    const page = await signIn(w);
    expect(page.body).toContain('data-error-code="Localpart not available"');
    expect(page.body).toContain('Localpart &#34;boje&#34; is not available on this homeserver');
    expect(grepLogs(w.h, /Localpart is not available/)[0]).toMatch(
      / DEBUG mas_matrix_synapse::modern:226 GET-\d+ - Localpart is not available error=M_USER_IN_USE: User ID already taken\. error\.sources=\[HTTP status client error \(400 Bad Request\) for url \(/,
    );
  });

  it('Synapse unreachable: Homeserver connection error', async () => {
    const w = await startWorld({}, cleanup);
    await w.synapse.close();
    const page = await signIn(w);
    expect(page.status).toBe(500);
    expect(grepLogs(w.h, /fancy_error:38/)[0]).toMatch(
      / - Homeserver connection error message\.sources=\[Failed to check localpart availability from Synapse, error sending request for url \(.*\), client error \(Connect\), tcp connect error, Connection refused \(os error 111\)\]$/,
    );
  });

  it('a wrong shared secret: Synapse answers 403 and MAS shows a connection error', async () => {
    const w = await startWorld({}, cleanup);
    w.synapse.secret = 'something-else';
    await signIn(w);
    expect(grepLogs(w.h, /fancy_error:38/)[0]).toContain(
      'Homeserver connection error message.sources=[Failed to query localpart availability from Synapse, M_FORBIDDEN: This endpoint must only be called by MAS, HTTP status client error (403 Forbidden)',
    );
  });
});

describe('MAS emulator: provisioning worker', () => {
  it('a stalled worker keeps the job queued; Synapse learns the user only once it runs', async () => {
    const w = await startWorld({ section: { worker: { stalled: true } } }, cleanup);
    const page = await signIn(w);
    await w.browser.submit(page, 'upstream-register', {}, atHome);
    await w.h.mas.worker.idle();
    expect(w.h.mas.state().users.map((u) => u.username)).toEqual(['boje']);
    expect(w.synapse.users.has('boje')).toBe(false);
    expect(w.h.mas.worker.pending()).toMatchObject([{ queue: 'provision-user', status: 'scheduled' }]);
    expect(grepLogs(w.h, /User created/)).toEqual([]);
    w.h.mas.worker.setStalled(false);
    await w.h.mas.worker.idle();
    expect(w.synapse.users.has('boje')).toBe(true);
    expect(grepLogs(w.h, /User created/)).toHaveLength(1);
  });

  it('seeded users with provisioned: false are queued at start-up', async () => {
    const w = await startWorld(
      { section: { users: [{ username: 'akadmin', provisioned: false }], worker: { stalled: true } } },
      cleanup,
    );
    expect(w.h.mas.worker.pending()).toHaveLength(1);
    w.h.mas.worker.setStalled(false);
    await w.h.mas.worker.idle();
    expect(w.synapse.users.has('akadmin')).toBe(true);
  });

  it('retries a failing provisioning job with back-off', async () => {
    const w = await startWorld(
      { section: { users: [{ username: 'akadmin', provisioned: false }], worker: { stalled: true } } },
      cleanup,
    );
    w.synapse.failWith = 500;
    w.h.mas.worker.setStalled(false);
    await w.h.mas.worker.idle();
    expect(grepLogs(w.h, /Job failed, will retry in 5s/)[0]).toContain(
      'error=Unexpected HTTP response while provisioning user in Synapse error.sources=[M_UNKNOWN: Internal server error, HTTP status server error (500 Internal Server Error)',
    );
    w.synapse.failWith = undefined;
    await new Promise((r) => setTimeout(r, 30));
    await w.h.mas.worker.idle();
    expect(w.synapse.users.has('akadmin')).toBe(true);
  });
});
