import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { authentikReachable } from './reachable.js';

describe('authentik/reachable', () => {
  it('is quiet for a healthy chain and a skipped source', () => {
    expectCleanIsQuiet(authentikReachable);
    const snap = changed((s) => (s.authentik = { status: 'skipped', reason: 'no authentik section' }));
    expect(runCheck(authentikReachable, snap)).toEqual([]);
  });

  it('an unreachable API: the plain sentence, and what to check', () => {
    const snap = changed((s) => {
      s.authentik = {
        status: 'unreachable',
        ms: 5000,
        error: {
          code: 'ERR_SOURCE_TIMEOUT',
          message: 'auth.example.org did not answer within 5000 ms',
          url: 'https://auth.example.org/api/v3/providers/oauth2/',
        },
      };
    });
    const [f, ...rest] = runCheck(authentikReachable, snap);
    expect(rest).toEqual([]);
    expect(pairsOf([f!])).toEqual([['authentik-unreachable', 'api/authentik']]);
    expect(f!.detail).toContain('did not answer within 5000 ms');
    expect(f!.evidence[0]!.excerpt).toContain('ERR_SOURCE_TIMEOUT');
    expect(f!.fix!.summary).toContain('authentik.url');
  });

  it('a 403 names the permission, from the source sentence, and says how to grant it', () => {
    const snap = changed((s) => {
      s.authentik = {
        status: 'error',
        ms: 40,
        error: {
          code: 'ERR_SOURCE_FORBIDDEN',
          status: 403,
          message:
            "Authentik refused to show the OAuth2 providers: GET /api/v3/providers/oauth2/ answered 403. The token's user lacks the permission authentik_providers_oauth2.view_oauth2provider (a superuser's token has all of them).",
        },
      };
    });
    const [f] = runCheck(authentikReachable, snap);
    expect(f!.detail).toContain('authentik_providers_oauth2.view_oauth2provider');
    expect(f!.evidence[0]!.excerpt).toBe('HTTP 403 — ERR_SOURCE_FORBIDDEN');
    expect(f!.fix!.summary).toContain('Permissions');
  });

  it('a token that is not accepted asks for a new API token', () => {
    const snap = changed((s) => {
      s.authentik = {
        status: 'error',
        ms: 40,
        error: { code: 'ERR_SOURCE_AUTH', status: 403, message: 'Authentik did not accept the API token.' },
      };
    });
    const [f] = runCheck(authentikReachable, snap);
    expect(f!.fix!.summary).toContain('intent "API"');
    expect(f!.fix!.snippet).toContain('SSOCHAIN_AUTHENTIK_TOKEN');
  });

  it('gaps: one finding listing the parts not read', () => {
    const snap = changed((s) => {
      ak(s).gaps = [
        {
          part: 'events',
          error: {
            code: 'ERR_SOURCE_FORBIDDEN',
            status: 403,
            message: 'Authentik refused to show the events: the token lacks authentik_events.view_event.',
          },
        },
        {
          part: 'users',
          error: { code: 'ERR_SOURCE_TIMEOUT', message: 'auth did not answer within 5000 ms' },
        },
      ];
    });
    const findings = runCheck(authentikReachable, snap);
    expect(pairsOf(findings)).toEqual([['authentik-unreachable', 'api/authentik']]);
    expect(findings[0]!.title).toBe('Part of the Authentik API could not be read');
    expect(findings[0]!.detail).toContain('events: Authentik refused');
    expect(findings[0]!.detail).toContain('users: auth did not answer');
    expect(findings[0]!.evidence).toHaveLength(2);
  });
});
