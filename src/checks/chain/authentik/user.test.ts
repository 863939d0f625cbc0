import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { authentikAccess } from './access.js';
import { authentikEmailVerified } from './email-verified.js';
import { authentikUserInactive } from './user-inactive.js';

describe('authentik/access', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(authentikAccess));

  it("check_access says no: the policies' messages are the evidence", () => {
    const snap = changed((s) => {
      ak(s).access = [
        {
          application: 'matrix',
          username: 'boje',
          passing: false,
          messages: ['Only matrix-users may use Matrix'],
        },
      ];
    });
    const findings = runCheck(authentikAccess, snap);
    expect(pairsOf(findings)).toEqual([['authentik-access-denied', 'user/boje']]);
    expect(findings[0]!.detail).toContain('"Only matrix-users may use Matrix"');
    expect(findings[0]!.evidence[0]!.excerpt).toBe(
      'GET /api/v3/core/applications/matrix/check_access/?for_user=7 -> passing: false, messages: ["Only matrix-users may use Matrix"]',
    );
    expect(findings[0]!.fix!.snippet).toContain('/policies/bindings/?target=app-matrix');
  });
});

describe('authentik/user-inactive', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(authentikUserInactive));

  it('a sampled user who is inactive, created inactive by the enrollment flow', () => {
    const snap = changed((s) => {
      ak(s).users.find((u) => u.username === 'boje')!.is_active = false;
      ak(s).flows[0]!.stages[1]!.stage.settings.create_users_as_inactive = true;
      ak(s).events = [
        {
          pk: 'e1',
          action: 'user_write',
          created: '2026-05-17T19:02:11Z',
          username: 'boje',
          context: {
            created: true,
            http_request: { path: '/api/v3/flows/executor/default-enrollment-flow/' },
          },
        },
      ];
    });
    const findings = runCheck(authentikUserInactive, snap);
    expect(pairsOf(findings)).toEqual([['authentik-user-inactive', 'user/boje']]);
    expect(findings[0]!.detail).toContain(
      'created by the enrollment flow "default-enrollment-flow", whose User Write stage creates users as inactive',
    );
    expect(findings[0]!.fix!.snippet).toContain('/core/users/7/');
    expect(findings[0]!.fix!.repair).toBe('authentik-activate-user');
  });

  it('the focus user decides who is looked at; an inactive bystander is not reported', () => {
    const inactiveAdmin = (focus?: string) =>
      changed((s) => {
        ak(s).users.find((u) => u.username === 'akadmin')!.is_active = false;
        if (focus) s.user = focus;
      });
    expect(runCheck(authentikUserInactive, inactiveAdmin())).toEqual([]);
    expect(pairsOf(runCheck(authentikUserInactive, inactiveAdmin('akadmin')))).toEqual([
      ['authentik-user-inactive', 'user/akadmin'],
    ]);
  });
});

describe('authentik/email-verified', () => {
  it('is quiet for a healthy chain without a focus user', () => expectCleanIsQuiet(authentikEmailVerified));

  it('for the user in focus whose claims say email_verified: false', () => {
    const snap = changed((s) => (s.user = 'boje'));
    const findings = runCheck(authentikEmailVerified, snap);
    expect(pairsOf(findings)).toEqual([['authentik-email-unverified', 'user/boje']]);
    expect(findings[0]!.severity).toBe('info');
    expect(findings[0]!.fix!.snippet).toContain('"email_verified": True');
  });

  it('not when MAS does not import the email', () => {
    const snap = changed((s) => {
      s.user = 'boje';
      mas(s).providers[0]!.claims_imports = { localpart: { action: 'require' } };
    });
    expect(runCheck(authentikEmailVerified, snap)).toEqual([]);
  });
});
