import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import type { FetchError } from '../../../snapshot/types.js';
import { masAdminApi } from './admin-api.js';

const TOKEN = 'https://account.example.org/oauth2/token';
const USERS = 'https://account.example.org/api/admin/v1/users?page[first]=100';

function failing(error: FetchError, edit?: Parameters<typeof changed>[0]) {
  return changed((s) => {
    s.masAdmin = { status: 'error', ms: 10, error };
    edit?.(s);
  });
}

describe('mas/admin-api', () => {
  it('is quiet for a healthy chain, a skipped source and failures that are not about access', () => {
    expectCleanIsQuiet(masAdminApi);
    expect(
      runCheck(
        masAdminApi,
        changed((s) => (s.masAdmin = { status: 'skipped', reason: 'mas.admin is not set' })),
      ),
    ).toEqual([]);
    expect(
      runCheck(
        masAdminApi,
        failing({ code: 'ERR_SOURCE_HTTP_STATUS', status: 500, url: USERS, message: 'answered HTTP 500' }),
      ),
    ).toEqual([]);
  });

  it('a client MAS does not accept: names `clients` and what the config lists', () => {
    const snap = failing(
      {
        code: 'ERR_SOURCE_AUTH',
        status: 401,
        url: TOKEN,
        message: 'MAS did not accept the admin client 01KQ at the token endpoint (invalid_client)',
      },
      (s) => {
        mas(s).clientIds = [];
      },
    );
    const findings = runCheck(masAdminApi, snap);
    expect(pairsOf(findings)).toEqual([['mas-admin-api-unavailable', 'mas/admin-api']]);
    expect(findings[0]!.detail).toContain('no `clients` section');
    expect(findings[0]!.fix!.summary).toContain('`clients`');
    expect(findings[0]!.fix!.snippet).toContain('admin_clients');
  });

  it('a refused scope: names policy.data.admin_clients and what it lists now', () => {
    const snap = failing(
      {
        code: 'ERR_SOURCE_FORBIDDEN',
        status: 403,
        url: TOKEN,
        message: 'MAS refused the scope urn:mas:admin to client 01KQ (invalid_scope)',
      },
      (s) => {
        mas(s).adminClients = ['01KQOTHER000000000000000000'];
      },
    );
    const [f] = runCheck(masAdminApi, snap);
    expect(f!.detail).toContain('lists `01KQOTHER000000000000000000`, not the client ssochain uses');
    expect(f!.fix!.summary).toContain('policy.data.admin_clients');
  });

  it('an admin API that is not mounted: names the adminapi resource, confirmed by the config', () => {
    const snap = failing(
      {
        code: 'ERR_SOURCE_HTTP_STATUS',
        status: 404,
        url: USERS,
        message: 'MAS does not serve the admin API (404)',
      },
      (s) => {
        mas(s).adminApiEnabled = false;
      },
    );
    const [f] = runCheck(masAdminApi, snap);
    expect(f!.detail).toContain('confirms it: no http listener has the `adminapi` resource');
    expect(f!.fix!.summary).toContain('name: adminapi');
    expect(f!.evidence.map((e) => e.source)).toEqual(['mas-admin', 'mas-config']);
  });

  it('a token without the scope, and a secret ssochain cannot read', () => {
    const scope = failing({
      code: 'ERR_SOURCE_AUTH',
      status: 401,
      url: USERS,
      message: 'the admin API refused the token',
    });
    expect(runCheck(masAdminApi, scope)[0]!.fix!.summary).toContain('admin_clients');
    const secret = failing({
      code: 'ERR_SOURCE_CONFIG',
      message: 'mas.admin.clientSecret: the environment variable X is not set',
    });
    const [f] = runCheck(masAdminApi, secret);
    expect(f!.fix!.summary).toContain('mas.admin.clientSecret');
    expect(f!.fix!.snippet).toBeUndefined();
  });

  it('without admin credentials for ssochain, the MAS config alone names what keeps the admin API off', () => {
    const skipped = (edit: (m: ReturnType<typeof mas>) => void) =>
      changed((s) => {
        s.masAdmin = { status: 'skipped', reason: 'mas.admin is not set' };
        const m = mas(s);
        m.clientIds = ['01KQDJVZ7A0000000000000ADM'];
        m.adminClients = ['01KQDJVZ7A0000000000000ADM'];
        edit(m);
      });
    expect(
      runCheck(
        masAdminApi,
        skipped(() => undefined),
      ),
    ).toEqual([]);
    const off = runCheck(
      masAdminApi,
      skipped((m) => (m.adminApiEnabled = false)),
    );
    expect(pairsOf(off)).toEqual([['mas-admin-api-unavailable', 'mas/admin-api']]);
    expect(off[0]!.detail).toContain('no http listener has the `adminapi` resource');
    expect(off[0]!.evidence[0]!.source).toBe('mas-config');
    const noAdmins = runCheck(
      masAdminApi,
      skipped((m) => (m.adminClients = [])),
    );
    expect(noAdmins[0]!.detail).toContain('no client in `clients` is listed in `policy.data.admin_clients`');
  });
});
