import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { masReachable } from './reachable.js';

const down = {
  status: 'unreachable' as const,
  ms: 5,
  error: {
    code: 'ERR_SOURCE_CONNECT' as const,
    message: 'nothing accepts connections at account.example.org (connection refused)',
    url: 'https://account.example.org/.well-known/openid-configuration',
  },
};

describe('mas/reachable', () => {
  it('is quiet for a healthy chain and when MAS was not looked at', () => {
    expectCleanIsQuiet(masReachable);
    const snap = changed((s) => {
      s.masRuntime = { status: 'skipped', reason: 'mas is not configured' };
      s.masAdmin = { status: 'skipped', reason: 'mas.admin is not configured' };
    });
    expect(runCheck(masReachable, snap)).toEqual([]);
  });

  it('MAS down: one finding with the reason, both sources and Synapse’s log lines as evidence', () => {
    const snap = changed((s) => {
      s.masRuntime = down;
      s.masAdmin = { ...down, error: { ...down.error, url: 'https://account.example.org/oauth2/token' } };
      s.logs = [
        { source: 'synapse', line: 'ERROR - synapse.api.auth.mas - Failed to introspect token' },
        { source: 'synapse', line: 'INFO - unrelated' },
      ];
    });
    const findings = runCheck(masReachable, snap);
    expect(pairsOf(findings)).toEqual([['mas-unreachable', 'mas/account.example.org']]);
    const [f] = findings;
    expect(f!.detail).toContain('connection refused');
    expect(f!.evidence.map((e) => e.source)).toEqual(['discovery', 'mas-admin', 'log']);
    expect(f!.fix!.summary).toContain('discovery');
  });

  it('an error status or garbage counts too, with the fix that fits', () => {
    const failing = (status: number | undefined, code: 'ERR_SOURCE_HTTP_STATUS' | 'ERR_SOURCE_NOT_JSON') =>
      changed((s) => {
        s.masRuntime = {
          status: 'error',
          ms: 5,
          error: {
            code,
            ...(status ? { status } : {}),
            url: 'https://account.example.org/.well-known/openid-configuration',
            message: `https://account.example.org/.well-known/openid-configuration answered HTTP ${status}`,
          },
        };
      });
    expect(pairsOf(runCheck(masReachable, failing(503, 'ERR_SOURCE_HTTP_STATUS')))).toEqual([
      ['mas-unreachable', 'mas/account.example.org'],
    ]);
    expect(runCheck(masReachable, failing(404, 'ERR_SOURCE_HTTP_STATUS'))[0]!.fix!.summary).toContain(
      '`discovery` resource',
    );
    expect(runCheck(masReachable, failing(200, 'ERR_SOURCE_NOT_JSON'))[0]!.fix!.summary).toContain(
      'Something other than MAS',
    );
  });

  it('without the runtime view, an admin API that cannot connect is the evidence', () => {
    const snap = changed((s) => {
      s.masRuntime = { status: 'skipped', reason: 'not run' };
      s.masAdmin = {
        ...down,
        error: {
          ...down.error,
          code: 'ERR_SOURCE_DNS',
          message: 'the name account.example.org does not resolve (DNS)',
          url: 'https://account.example.org/oauth2/token',
        },
      };
    });
    const [f] = runCheck(masReachable, snap);
    expect(f!.evidence[0]!.source).toBe('mas-admin');
    expect(f!.fix!.summary).toContain('does not resolve');
  });
});
