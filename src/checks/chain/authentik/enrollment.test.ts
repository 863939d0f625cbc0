import { describe, expect, it } from 'vitest';
import type { AkFlow, ChainSnapshot } from '../../../snapshot/types.js';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { authentikEnrollmentFlow } from './enrollment-flow.js';
import { authentikEnrollmentReachable } from './enrollment-reachable.js';

const enroll = (s: ChainSnapshot): AkFlow => ak(s).flows.find((f) => f.designation === 'enrollment')!;
const stage = (s: ChainSnapshot, component: string) =>
  enroll(s).stages.find((b) => b.stage.component === component)!;

/** The clean snapshot with the login flow and brand the enrollment link lives in. */
function withLoginFlow(change: (s: ChainSnapshot) => void = () => {}): ChainSnapshot {
  return changed((s) => {
    ak(s).flows.push({
      pk: 'flow-auth',
      slug: 'default-authentication-flow',
      name: 'Welcome',
      designation: 'authentication',
      stages: [
        {
          order: 10,
          stage: {
            pk: 's-ident',
            name: 'default-authentication-identification',
            component: 'ak-stage-identification-form',
            settings: { enrollment_flow: 'flow-enroll' },
          },
        },
      ],
    });
    ak(s).brands = [{ domain: 'authentik-default', default: true, flowAuthentication: 'flow-auth' }];
    ak(s).invitations = [];
    change(s);
  });
}

describe('authentik/enrollment-flow', () => {
  it('is quiet for a healthy chain and a working flow with a login flow', () => {
    expectCleanIsQuiet(authentikEnrollmentFlow);
    expect(runCheck(authentikEnrollmentFlow, withLoginFlow())).toEqual([]);
  });

  it('never_create', () => {
    const snap = changed(
      (s) => (stage(s, 'ak-stage-user-write-form').stage.settings.user_creation_mode = 'never_create'),
    );
    const findings = runCheck(authentikEnrollmentFlow, snap);
    expect(pairsOf(findings)).toEqual([['authentik-enrollment-flow-broken', 'flow/default-enrollment-flow']]);
    const f = findings[0]!;
    expect(f.detail).toContain('user_creation_mode never_create, so it never creates a user');
    expect(f.fix!.snippet).toContain('attrs: {user_creation_mode: create_when_required}');
    expect(f.fix!.repair).toBe('authentik-fix-enrollment-flow');
    expect(f.evidence[0]!.excerpt).toBe(
      'flow default-enrollment-flow stages: 10 prompt enrollment-prompt (username, name, email, password, password_repeat); 20 user-write enrollment-user-write; 100 user-login enrollment-user-login',
    );
  });

  it('no user_write and no user_login: both named, both in the blueprint', () => {
    const snap = changed((s) => (enroll(s).stages = enroll(s).stages.slice(0, 1)));
    const [f] = runCheck(authentikEnrollmentFlow, snap);
    expect(f!.detail).toContain('no User Write stage');
    expect(f!.detail).toContain('no User Login stage');
    expect(f!.fix!.snippet).toContain('authentik_stages_user_write.userwritestage');
    expect(f!.fix!.snippet).toContain('authentik_stages_user_login.userloginstage');
  });

  it('users created inactive: broken unless an activating email stage follows', () => {
    const inactive = changed(
      (s) => (stage(s, 'ak-stage-user-write-form').stage.settings.create_users_as_inactive = true),
    );
    expect(runCheck(authentikEnrollmentFlow, inactive)[0]!.detail).toContain('creates users as inactive');
    const activated = changed((s) => {
      stage(s, 'ak-stage-user-write-form').stage.settings.create_users_as_inactive = true;
      enroll(s).stages.splice(2, 0, {
        order: 30,
        stage: {
          pk: 's-mail',
          name: 'verify',
          component: 'ak-stage-email-form',
          settings: { activate_user_on_success: true },
        },
      });
    });
    expect(runCheck(authentikEnrollmentFlow, activated)).toEqual([]);
  });

  it('no username prompt; no email prompt only matters when MAS requires the email', () => {
    const noUsername = changed(
      (s) => (stage(s, 'ak-stage-prompt-form').stage.settings.fields = ['name', 'email', 'password']),
    );
    expect(runCheck(authentikEnrollmentFlow, noUsername)[0]!.detail).toContain('asks for the username');
    const noEmail = changed(
      (s) => (stage(s, 'ak-stage-prompt-form').stage.settings.fields = ['username', 'password']),
    );
    expect(runCheck(authentikEnrollmentFlow, noEmail)).toEqual([]);
    const required = changed((s) => {
      stage(s, 'ak-stage-prompt-form').stage.settings.fields = ['username', 'password'];
      mas(s).providers[0]!.claims_imports = { email: { action: 'require' } };
    });
    expect(runCheck(authentikEnrollmentFlow, required)[0]!.detail).toContain('asks for the email');
  });

  it('user_login before user_write', () => {
    const snap = changed((s) => (stage(s, 'ak-stage-user-login-form').order = 5));
    expect(runCheck(authentikEnrollmentFlow, snap)[0]!.detail).toContain(
      'User Login stage runs before the User Write stage',
    );
  });

  it('a blocking invitation stage without invitations behind a public Sign up link', () => {
    const blocking = (
      invitations: { name: string; flow: string; expires: string | null; singleUse: boolean }[],
    ) =>
      withLoginFlow((s) => {
        enroll(s).stages.unshift({
          order: 5,
          stage: {
            pk: 's-inv',
            name: 'invite-only',
            component: 'ak-stage-invitation-form',
            settings: { continue_flow_without_invitation: false },
          },
        });
        ak(s).invitations = invitations;
      });
    expect(runCheck(authentikEnrollmentFlow, blocking([]))[0]!.detail).toContain(
      'cancels the flow without an invitation',
    );
    expect(
      runCheck(
        authentikEnrollmentFlow,
        blocking([{ name: 'friends', flow: 'flow-enroll', expires: null, singleUse: false }]),
      ),
    ).toEqual([]);
    // an expired invitation does not count
    expect(
      runCheck(
        authentikEnrollmentFlow,
        blocking([{ name: 'old', flow: 'flow-enroll', expires: '2026-01-01T00:00:00Z', singleUse: true }]),
      ),
    ).toHaveLength(1);
  });

  it('an enrollment flow that refuses people who are not logged in', () => {
    const snap = changed((s) => (enroll(s).authentication = 'require_authenticated'));
    expect(runCheck(authentikEnrollmentFlow, snap)[0]!.detail).toContain('require_authenticated');
  });

  it('an unused second flow is not judged; a source flow is judged without the prompt rules', () => {
    const snap = withLoginFlow((s) => {
      ak(s).flows.push(
        { pk: 'flow-unused', slug: 'old-enrollment', name: 'Old', designation: 'enrollment', stages: [] },
        {
          pk: 'flow-source',
          slug: 'default-source-enrollment',
          name: 'Source',
          designation: 'enrollment',
          stages: [
            {
              order: 10,
              stage: {
                pk: 'sw',
                name: 'source-write',
                component: 'ak-stage-user-write-form',
                settings: { user_creation_mode: 'always_create' },
              },
            },
          ],
        },
      );
      ak(s).enrollmentLinks.push({ stage: 'source:github', enrollmentFlow: 'flow-source', via: 'source' });
    });
    const findings = runCheck(authentikEnrollmentFlow, snap);
    expect(pairsOf(findings)).toEqual([
      ['authentik-enrollment-flow-broken', 'flow/default-source-enrollment'],
    ]);
    expect(findings[0]!.detail).toContain('no User Login stage');
    expect(findings[0]!.detail).not.toContain('username');
  });
});

describe('authentik/enrollment-reachable', () => {
  it('is quiet when a Sign up link in the login flow leads to it', () => {
    expectCleanIsQuiet(authentikEnrollmentReachable);
    expect(runCheck(authentikEnrollmentReachable, withLoginFlow())).toEqual([]);
  });

  it('no identification stage links it and no invitation exists', () => {
    const snap = withLoginFlow((s) => {
      ak(s).enrollmentLinks = [
        { stage: 'default-authentication-identification', enrollmentFlow: null, via: 'identification' },
      ];
    });
    const findings = runCheck(authentikEnrollmentReachable, snap);
    expect(pairsOf(findings)).toEqual([['authentik-enrollment-unreachable', 'flow/default-enrollment-flow']]);
    const f = findings[0]!;
    expect(f.detail).toContain('no identification stage links it');
    expect(f.detail).toContain('(the login flow is "default-authentication-flow")');
    expect(f.fix!.summary).toContain('"default-authentication-identification"');
    expect(f.fix!.snippet).toContain(
      'enrollment_flow: !Find [authentik_flows.flow, [slug, default-enrollment-flow]]',
    );
  });

  it('linked only by an identification stage that is not in the login flow users see', () => {
    const snap = withLoginFlow((s) => {
      ak(s).enrollmentLinks = [
        { stage: 'orphan-identification', enrollmentFlow: 'flow-enroll', via: 'identification' },
      ];
    });
    const [f] = runCheck(authentikEnrollmentReachable, snap);
    expect(f!.detail).toContain(
      'linked only by "orphan-identification", which is not part of the login flow "default-authentication-flow"',
    );
  });

  it("the provider's own authentication flow is the one that counts", () => {
    const snap = withLoginFlow((s) => {
      ak(s).providers[0]!.authentication_flow = 'flow-other';
      ak(s).flows.push({
        pk: 'flow-other',
        slug: 'matrix-login',
        name: 'Matrix login',
        designation: 'authentication',
        stages: [],
      });
    });
    expect(pairsOf(runCheck(authentikEnrollmentReachable, snap))).toEqual([
      ['authentik-enrollment-unreachable', 'flow/default-enrollment-flow'],
    ]);
  });

  it('an invitation makes it reachable; no enrollment flow at all is fine', () => {
    const invited = withLoginFlow((s) => {
      ak(s).enrollmentLinks = [];
      ak(s).invitations = [{ name: 'welcome', flow: 'flow-enroll', expires: null, singleUse: false }];
    });
    expect(runCheck(authentikEnrollmentReachable, invited)).toEqual([]);
    const none = changed((s) => (ak(s).flows = []));
    expect(runCheck(authentikEnrollmentReachable, none)).toEqual([]);
  });

  it('not judged when the identification stages could not be read', () => {
    const snap = withLoginFlow((s) => {
      ak(s).enrollmentLinks = [];
      ak(s).gaps = [{ part: 'identification', error: { code: 'ERR_SOURCE_FORBIDDEN', message: 'no' } }];
    });
    expect(runCheck(authentikEnrollmentReachable, snap)).toEqual([]);
  });
});
