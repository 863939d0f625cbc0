import { afterEach, describe, expect, it } from 'vitest';
import { SEED_PASSWORDS } from '../../../src/sandbox/authentik/index.js';
import { api, Browser, startAuthentik, type Running } from './helpers.js';

/** API v3 list semantics: pagination, filters, ordering, search, permissions (authentik.md §1, §6). */

let run: Running | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

describe('pagination over many users', () => {
  it('pages with page numbers (0 when none), counts and indexes as Authentik does', async () => {
    const users = Object.fromEntries(
      Array.from({ length: 248 }, (_, i) => [
        `user${String(i).padStart(3, '0')}`,
        { name: `User ${i}`, email: `u${i}@example.org` },
      ]),
    );
    run = await startAuthentik({ users });
    const call = api(run);
    const first = await call('/core/users/');
    expect(first.body!.pagination).toEqual({
      next: 2,
      previous: 0,
      count: 250,
      current: 1,
      total_pages: 3,
      start_index: 1,
      end_index: 100,
    });
    expect(first.body!.autocomplete).toEqual({});
    const last = await call('/core/users/?page=3');
    expect(last.body!.pagination).toEqual({
      next: 0,
      previous: 2,
      count: 250,
      current: 3,
      total_pages: 3,
      start_index: 201,
      end_index: 250,
    });
    // walking next until 0 sees every user exactly once
    const seen: string[] = [];
    for (let page = 1; page !== 0;) {
      const res = await call(`/core/users/?page=${page}&page_size=40&ordering=-username`);
      seen.push(...(res.body!.results as { username: string }[]).map((u) => u.username));
      page = (res.body!.pagination as { next: number }).next;
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe('user247');
    expect(seen.at(-1)).toBe('akadmin');
    expect((await call('/core/users/?page=99')).body).toEqual({ detail: 'Invalid page.' });
    const empty = await call('/core/users/?username=nobody');
    expect(empty.body!.pagination).toEqual({
      next: 0,
      previous: 0,
      count: 0,
      current: 1,
      total_pages: 1,
      start_index: 0,
      end_index: 0,
    });
    const search = await call('/core/users/?search=user24');
    expect((search.body!.results as unknown[]).length).toBe(8);
  });
});

describe('filters the checks rely on', () => {
  it('users by username, email, is_active, groups; events by action, username, model, client ip', async () => {
    run = await startAuthentik({
      users: { boje: { is_active: false } },
      events: [
        {
          action: 'login_failed',
          context: { username: 'boje', password: '********************' },
          client_ip: '203.0.113.7',
          created: '2026-05-18T08:00:00.000000Z',
        },
      ],
    });
    const call = api(run);
    expect((await call('/core/users/?is_active=false')).body!.results).toEqual([
      expect.objectContaining({ username: 'boje' }),
    ]);
    expect((await call('/core/users/?email=akadmin@example.org')).body!.results).toHaveLength(1);
    expect((await call('/core/users/?groups_by_name=authentik%20Admins')).body!.results).toEqual([
      expect.objectContaining({ username: 'akadmin', is_superuser: true }),
    ]);
    const events = await call('/events/events/?ordering=-created&page_size=50');
    const created = (events.body!.results as { created: string }[]).map((e) => e.created);
    expect(created).toEqual([...created].sort().reverse());
    expect(
      (await call('/events/events/?action=login_failed&client_ip=203.0.113.7')).body!.results,
    ).toHaveLength(1);
    // the seed's history: boje was created by enrollment and logged in, never authorized Matrix
    expect((await call('/events/events/?actions=user_write&username=boje')).body!.results).toEqual([
      expect.objectContaining({ context: expect.objectContaining({ created: true }) }),
    ]);
    expect(
      (
        await call(
          '/events/events/?context_model_app=authentik_core&context_model_name=user&context_model_pk=7',
        )
      ).body!.results,
    ).toHaveLength(1);
    expect((await call('/events/events/?actions=authorize_application')).body!.results).toEqual([]);
  });

  it('stages, bindings and providers by reference', async () => {
    run = await startAuthentik();
    const call = api(run);
    const flow = (await call('/flows/instances/default-enrollment-flow/')).body!;
    const ident = await call(`/stages/identification/?enrollment_flow=${flow.pk as string}`);
    expect((ident.body!.results as { name: string }[]).map((s) => s.name)).toEqual([
      'default-authentication-identification',
    ]);
    const bindings = await call(`/flows/bindings/?target=${flow.pk as string}&ordering=order`);
    expect((bindings.body!.results as { order: number }[]).map((b) => b.order)).toEqual([10, 20, 100]);
    const app = (await call('/core/applications/matrix/')).body!;
    const providers = await call(`/providers/oauth2/?application=${app.pk as string}`);
    expect((providers.body!.results as { name: string }[]).map((p) => p.name)).toEqual(['matrix-provider']);
  });
});

describe('permissions and sessions', () => {
  it('a non-superuser gets 403; the session cookie authenticates API calls of a logged-in superuser', async () => {
    run = await startAuthentik({ api_token_user: 'boje' });
    const call = api(run);
    expect(await call('/core/users/')).toEqual({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
    });
    expect((await call('/core/users/me/')).body!.user).toMatchObject({ username: 'boje' });
    const b = new Browser(run.url);
    await b.answer('default-authentication-flow', '', {
      component: 'ak-stage-identification',
      uid_field: 'akadmin',
    });
    await b.answer('default-authentication-flow', '', {
      component: 'ak-stage-password',
      password: SEED_PASSWORDS.akadmin,
    });
    const res = await b.fetch('/api/v3/core/users/?username=boje');
    expect(res.status).toBe(200);
    const patch = await b.fetch('/api/v3/core/users/7/', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"is_active": false}',
    });
    expect(patch.status).toBe(403);
    const withCsrf = await b.fetch('/api/v3/core/users/7/', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-authentik-csrf': b.cookies.get('authentik_csrf')! },
      body: '{"is_active": false}',
    });
    expect(withCsrf.status).toBe(200);
    // the brand is readable without authentication (the login page needs it)
    expect((await fetch(`${run.url}/api/v3/core/brands/current/`)).status).toBe(200);
  });

  it('API writes record model_* events with the acting user', async () => {
    run = await startAuthentik();
    const call = api(run);
    await call('/core/users/7/', { method: 'PATCH', body: JSON.stringify({ is_active: false }) });
    const updated = await call('/events/events/?actions=model_updated');
    expect((updated.body!.results as Record<string, unknown>[])[0]).toMatchObject({
      user: { username: 'akadmin' },
      context: { model: { app: 'authentik_core', model_name: 'user', pk: 7, name: 'boje' } },
    });
  });
});

describe('date filters for incremental reads', () => {
  it('users by date_joined__gt / last_updated__gt', async () => {
    run = await startAuthentik();
    const call = api(run);
    const joined = await call('/core/users/?date_joined__gt=2026-05-01T00:00:00Z');
    expect((joined.body!.results as { username: string }[]).map((u) => u.username)).toEqual(['boje']);
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await call('/core/users/1/', { method: 'PATCH', body: JSON.stringify({ name: 'Admin' }) });
    const updated = await call(`/core/users/?last_updated__gt=${encodeURIComponent(before)}`);
    expect((updated.body!.results as { username: string }[]).map((u) => u.username)).toEqual(['akadmin']);
  });
});
