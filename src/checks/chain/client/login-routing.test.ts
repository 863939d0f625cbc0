import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { clientLoginRouting, servedByMas } from './login-routing.js';

const URL = 'https://matrix.example.org/_matrix/client/v3/login';

const answered = (status: number, body: unknown) =>
  changed((s) => {
    s.masRuntime = {
      status: 'ok',
      ms: 5,
      data: { compatLogin: { status: 'ok', ms: 5, data: { url: URL, status, body } } },
    };
  });

describe('client/login-routing', () => {
  it('is quiet for a healthy chain and when the login API was not reached', () => {
    expectCleanIsQuiet(clientLoginRouting);
    const unreachable = changed((s) => {
      s.masRuntime = {
        status: 'ok',
        ms: 5,
        data: {
          compatLogin: {
            status: 'unreachable',
            ms: 5,
            error: { code: 'ERR_SOURCE_CONNECT', message: 'refused' },
          },
        },
      };
    });
    expect(runCheck(clientLoginRouting, unreachable)).toEqual([]);
  });

  it('a 404 from Synapse: the proxy does not route the login API to MAS', () => {
    const findings = runCheck(
      clientLoginRouting,
      answered(404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }),
    );
    expect(pairsOf(findings)).toEqual([['client-login-not-routed', 'client/login']]);
    expect(findings[0]!.detail).toContain('HTTP 404 M_UNRECOGNIZED');
    expect(findings[0]!.fix!.snippet).toContain('login|logout|refresh');
  });

  it("Synapse's own password login is not MAS's", () => {
    const findings = runCheck(clientLoginRouting, answered(200, { flows: [{ type: 'm.login.password' }] }));
    expect(findings[0]!.detail).toContain('flows: m.login.password');
  });

  it('recognises MAS by either marker, as mas-cli doctor does', () => {
    expect(servedByMas(200, { flows: [{ type: 'm.login.sso', oauth_aware_preferred: true }] })).toBe(true);
    expect(
      servedByMas(200, {
        flows: [{ type: 'm.login.sso', 'org.matrix.msc3824.delegated_oidc_compatibility': true }],
      }),
    ).toBe(true);
    expect(servedByMas(200, { flows: [{ type: 'm.login.sso' }] })).toBe(false);
    expect(servedByMas(500, { flows: [{ type: 'm.login.sso', oauth_aware_preferred: true }] })).toBe(false);
  });
});
