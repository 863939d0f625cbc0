import { afterEach, describe, expect, it } from 'vitest';
import { SEED_CLIENT_ID, SEED_PASSWORDS } from '../../../src/sandbox/authentik/index.js';
import { api, Browser, CALLBACK, startAuthentik, type Running } from './helpers.js';

/** Enrollment, login and access decisions through the flow executor (authentik.md §3, §5, §7). */

let run: Running | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const ENROLL = 'default-enrollment-flow';
const newUser = { username: 'frida', name: 'Frida', email: 'frida@example.org', password: 'frida-pw' };

async function enroll(r: Running, body: Record<string, unknown> = newUser, query = '') {
  const b = new Browser(r.url);
  await b.fetch(`/if/flow/${ENROLL}/${query ? `?${query}` : ''}`);
  const first = await b.challenge(ENROLL, query);
  const after =
    first.component === 'ak-stage-prompt'
      ? await b.answer(ENROLL, query, { component: 'ak-stage-prompt', ...body })
      : first;
  return { b, first, after };
}

async function login(r: Running, username: string, password: string) {
  const b = new Browser(r.url);
  await b.challenge('default-authentication-flow', '');
  return { b, result: await b.logIn('', username, password) };
}

describe('enrollment', () => {
  it('creates the user (user_write, model_created, login events) who can then log in', async () => {
    run = await startAuthentik();
    const { first, after } = await enroll(run);
    expect(first).toMatchObject({
      component: 'ak-stage-prompt',
      flow_info: { title: 'Welcome to authentik!', cancel_url: '/flows/-/cancel/', layout: 'stacked' },
    });
    expect((first.fields as { field_key: string }[]).map((f) => f.field_key)).toEqual([
      'username',
      'name',
      'email',
      'password',
    ]);
    expect(after).toEqual({ component: 'xak-flow-redirect', to: '/' });
    const call = api(run);
    const users = await call('/core/users/?username=frida');
    expect(users.body!.results).toEqual([
      expect.objectContaining({
        username: 'frida',
        name: 'Frida',
        email: 'frida@example.org',
        is_active: true,
        type: 'external',
      }),
    ]);
    const pk = (users.body!.results as { pk: number }[])[0]!.pk;
    const writes = await call('/events/events/?actions=user_write&username=frida');
    expect((writes.body!.results as Record<string, unknown>[])[0]).toMatchObject({
      action: 'user_write',
      context: {
        username: 'frida',
        email: 'frida@example.org',
        name: 'Frida',
        password: '********************',
        created: true,
        http_request: { path: `/api/v3/flows/executor/${ENROLL}/` },
      },
    });
    const created = await call(
      `/events/events/?actions=model_created&context_model_app=authentik_core&context_model_name=user&context_model_pk=${pk}`,
    );
    expect(created.body!.results).toHaveLength(1);
    expect((await call('/events/events/?actions=login&username=frida')).body!.results).toHaveLength(1);
    // the enrolled user signs in like anyone else
    expect((await login(run, 'frida', 'frida-pw')).result).toEqual({
      component: 'xak-flow-redirect',
      to: '/',
    });
  });

  it('validates prompts as Authentik does', async () => {
    run = await startAuthentik({
      prompts: {
        'default-enrollment-field-password-repeat': {
          field_key: 'password_repeat',
          label: 'Password (repeat)',
          type: 'password',
          order: 4,
        },
      },
      stages: {
        'default-enrollment-prompt': {
          fields: [
            'default-enrollment-field-username',
            'default-enrollment-field-name',
            'default-enrollment-field-email',
            'default-enrollment-field-password',
            'default-enrollment-field-password-repeat',
          ],
        },
      },
    });
    const taken = await enroll(run, { ...newUser, username: 'boje', password_repeat: 'frida-pw' });
    expect(taken.after.response_errors).toEqual({
      username: [{ string: 'Username is already taken.', code: 'invalid' }],
    });
    const missing = await enroll(run, { username: 'x', name: 'X', password: 'a', password_repeat: 'a' });
    expect(missing.after.response_errors).toEqual({
      email: [{ string: 'This field is required.', code: 'required' }],
    });
    const email = await enroll(run, { ...newUser, email: 'not-an-email', password_repeat: 'frida-pw' });
    expect(email.after.response_errors).toEqual({
      email: [{ string: 'Enter a valid email address.', code: 'invalid' }],
    });
    const mismatch = await enroll(run, { ...newUser, password_repeat: 'other' });
    expect(mismatch.after.response_errors).toEqual({
      non_field_errors: [{ string: "Passwords don't match.", code: 'invalid' }],
    });
    expect((await api(run)('/core/users/?username=frida')).body!.results).toEqual([]);
  });

  it('create_users_as_inactive: the user exists but cannot log in ("Invalid password")', async () => {
    run = await startAuthentik({
      stages: { 'default-enrollment-user-write': { create_users_as_inactive: true } },
    });
    await enroll(run);
    const users = await api(run)('/core/users/?username=frida&is_active=false');
    expect(users.body!.results).toHaveLength(1);
    const { result } = await login(run, 'frida', 'frida-pw');
    expect(result.response_errors).toEqual({ password: [{ string: 'Invalid password', code: 'invalid' }] });
  });

  it('an email stage stops the flow (no mail in the sandbox); the user stays inactive', async () => {
    run = await startAuthentik({
      flows: {
        [ENROLL]: {
          stages: [
            { stage: 'default-enrollment-prompt', order: 10 },
            { stage: 'default-enrollment-user-write', order: 20 },
            { stage: 'verify-email', order: 30 },
            { stage: 'default-enrollment-user-login', order: 100 },
          ],
        },
      },
      stages: {
        'default-enrollment-user-write': { create_users_as_inactive: true },
        'verify-email': { type: 'email', activate_user_on_success: true, use_global_settings: true },
      },
    });
    const { b, after } = await enroll(run);
    expect(after).toMatchObject({ component: 'ak-stage-email' });
    expect(await b.answer(ENROLL, '', { component: 'ak-stage-email' })).toMatchObject({
      component: 'ak-stage-email',
    });
    expect((await api(run)('/core/users/?username=frida')).body!.results).toEqual([
      expect.objectContaining({ is_active: false }),
    ]);
    expect(run.log.read('authentik').some((l) => l.message.includes('no mail transport'))).toBe(true);
    expect((await api(run)('/events/events/?actions=login&username=frida')).body!.results).toEqual([]);
  });

  it('an invitation stage blocks sign-up without ?itoken and lets a single-use invitation through once', async () => {
    run = await startAuthentik({
      flows: {
        [ENROLL]: {
          stages: [
            { stage: 'invitation-gate', order: 5 },
            { stage: 'default-enrollment-prompt', order: 10 },
            { stage: 'default-enrollment-user-write', order: 20 },
            { stage: 'default-enrollment-user-login', order: 100 },
          ],
        },
      },
      stages: { 'invitation-gate': { type: 'invitation', continue_flow_without_invitation: false } },
      invitations: {
        'for-frida': { flow: ENROLL, single_use: true, fixed_data: { email: 'frida@example.org' } },
      },
    });
    const denied = await enroll(run);
    expect(denied.first).toMatchObject({
      component: 'ak-stage-access-denied',
      error_message: 'Invalid invite/invite not found',
    });
    const invites = await api(run)('/stages/invitation/invitations/?name=for-frida');
    const token = (invites.body!.results as { pk: string }[])[0]!.pk;
    // the invitation's fixed_data pre-fills the prompt; the client submits what it shows
    const ok = await enroll(
      run,
      { username: 'frida', name: 'Frida', email: 'frida@example.org', password: 'pw' },
      `itoken=${token}`,
    );
    expect((ok.first.fields as { field_key: string; initial_value: string }[])[2]).toMatchObject({
      field_key: 'email',
      initial_value: 'frida@example.org',
    });
    expect(ok.after).toEqual({ component: 'xak-flow-redirect', to: '/' });
    expect((await api(run)('/core/users/?username=frida')).body!.results).toEqual([
      expect.objectContaining({ email: 'frida@example.org' }),
    ]);
    expect((await api(run)('/events/events/?actions=invitation_used')).body!.results).toHaveLength(1);
    const reuse = await enroll(run, newUser, `itoken=${token}`);
    expect(reuse.first.component).toBe('ak-stage-access-denied');
  });

  it('user_creation_mode never_create denies the enrollment', async () => {
    run = await startAuthentik({
      stages: { 'default-enrollment-user-write': { user_creation_mode: 'never_create' } },
    });
    const { after } = await enroll(run);
    expect(after).toMatchObject({
      component: 'ak-stage-access-denied',
      error_message: "No user found and can't create new user.",
    });
    expect((await api(run)('/core/users/?username=frida')).body!.results).toEqual([]);
  });

  it('require_unauthenticated: a logged-in user is told the flow does not apply', async () => {
    run = await startAuthentik();
    const { b } = await login(run, 'boje', SEED_PASSWORDS.boje);
    const c = await b.challenge(ENROLL, '');
    expect(c).toMatchObject({
      component: 'ak-stage-access-denied',
      error_message: 'Flow does not apply to current user.',
    });
  });
});

describe('login', () => {
  it('an inactive user cannot log in: "Invalid password" and login_failed', async () => {
    run = await startAuthentik({ users: { boje: { is_active: false } } });
    const { result } = await login(run, 'boje', SEED_PASSWORDS.boje);
    expect(result).toMatchObject({
      component: 'ak-stage-password',
      pending_user: 'boje',
      response_errors: { password: [{ string: 'Invalid password', code: 'invalid' }] },
    });
    const failed = await api(run)('/events/events/?actions=login_failed');
    expect((failed.body!.results as Record<string, unknown>[])[0]!.context).toMatchObject({
      username: 'boje',
    });
  });

  it('an unknown user passes identification (pretend_user_exists) and fails at the password', async () => {
    run = await startAuthentik();
    const { result } = await login(run, 'nobody', 'x');
    expect(result.response_errors).toEqual({ password: [{ string: 'Invalid password', code: 'invalid' }] });
  });

  it('enforces CSRF on a logged-in session (X-authentik-CSRF), and rotates session and CSRF at login', async () => {
    run = await startAuthentik();
    const b = new Browser(run.url);
    await b.fetch('/if/flow/default-authentication-flow/');
    const before = { session: b.cookies.get('authentik_session'), csrf: b.cookies.get('authentik_csrf') };
    await b.answer('default-authentication-flow', '', {
      component: 'ak-stage-identification',
      uid_field: 'boje',
    });
    await b.answer('default-authentication-flow', '', {
      component: 'ak-stage-password',
      password: SEED_PASSWORDS.boje,
    });
    expect(b.cookies.get('authentik_session')).not.toBe(before.session);
    expect(b.cookies.get('authentik_csrf')).not.toBe(before.csrf);
    const res = await b.fetch('/api/v3/flows/executor/default-invalidation-flow/?query=', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ detail: 'CSRF Failed: CSRF token missing.' });
  });
});

describe('application access (policy bindings)', () => {
  const section = {
    groups: { 'matrix-users': {} },
    applications: { matrix: { policies: [{ group: 'matrix-users' }] } },
  };

  it('check_access says why; authorize shows Authentik\'s "Permission denied" page', async () => {
    run = await startAuthentik(section);
    const call = api(run);
    expect((await call('/core/applications/matrix/check_access/?for_user=7')).body).toEqual({
      passing: false,
      messages: [],
      log_messages: [],
    });
    expect((await call('/core/applications/matrix/check_access/?for_user=999')).body).toEqual({
      for_user: 'User not found',
    });
    const { b } = await login(run, 'boje', SEED_PASSWORDS.boje);
    const q = new URLSearchParams({
      client_id: SEED_CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid',
    });
    const res = await b.fetch(`/application/o/authorize/?${q}`);
    const page = await res.text();
    expect(page).toContain('Permission denied');
    expect(page).toContain('Request has been denied.');
    expect((await call('/events/events/?actions=authorize_application')).body!.results).toEqual([]);
  });

  it('members pass; an expression policy denies with its message', async () => {
    run = await startAuthentik({
      ...section,
      users: { boje: { groups: ['matrix-users'] } },
      policies: {
        'no-carol': {
          expression: 'ak_message("carol is not allowed")\nreturn request.user.username != "carol"',
        },
      },
      applications: {
        matrix: { policy_engine_mode: 'all', policies: [{ group: 'matrix-users' }, { policy: 'no-carol' }] },
      },
    });
    const call = api(run);
    expect((await call('/core/applications/matrix/check_access/?for_user=7')).body).toMatchObject({
      passing: true,
    });
    const akadmin = await call('/core/applications/matrix/check_access/?for_user=1');
    expect(akadmin.body).toEqual({ passing: false, messages: ['carol is not allowed'], log_messages: [] });
  });

  it('a policy on a flow denies it with ak-stage-access-denied', async () => {
    run = await startAuthentik({
      policies: { closed: { expression: 'ak_message("Sign-up is closed.")\nreturn False' } },
      flows: { [ENROLL]: { policies: [{ policy: 'closed' }] } },
    });
    const { first } = await enroll(run);
    expect(first).toMatchObject({ component: 'ak-stage-access-denied', error_message: 'Sign-up is closed.' });
  });
});
