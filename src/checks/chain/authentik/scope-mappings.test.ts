import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { authentikScopeMappings } from './scope-mappings.js';

describe('authentik/scope-mappings', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(authentikScopeMappings));

  it('no profile mapping while the localpart (require) reads preferred_username', () => {
    const snap = changed((s) => (ak(s).providers[0]!.property_mappings = ['pm-openid', 'pm-email']));
    const findings = runCheck(authentikScopeMappings, snap);
    expect(pairsOf(findings)).toEqual([['authentik-scope-mapping-missing', 'provider/matrix-provider']]);
    const f = findings[0]!;
    expect(f.detail).toContain('"profile"');
    expect(f.detail).toContain('claims_imports.localpart (require) reads preferred_username');
    expect(f.detail).toContain('the sign-in fails');
    expect(f.fix!.snippet).toContain('"property_mappings":["pm-openid","pm-email","pm-profile"]');
    expect(f.fix!.repair).toBe('authentik-add-scope-mappings');
  });

  it('no email mapping while email is only suggested: reported, without a failing sign-in', () => {
    const snap = changed((s) => (ak(s).providers[0]!.property_mappings = ['pm-openid', 'pm-profile']));
    const [f] = runCheck(authentikScopeMappings, snap);
    expect(f!.detail).toContain('"email"');
    expect(f!.detail).toContain('MAS then imports nothing');
  });

  it('a custom mapping for the scope counts', () => {
    const snap = changed((s) => {
      ak(s).scopeMappings.push({
        pk: 'pm-custom-email',
        name: 'matrix email',
        scope_name: 'email',
        managed: null,
      });
      ak(s).providers[0]!.property_mappings = ['pm-openid', 'pm-profile', 'pm-custom-email'];
    });
    expect(runCheck(authentikScopeMappings, snap)).toEqual([]);
  });

  it('nothing requested and nothing imported beyond the subject: only openid matters', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.scope = 'openid';
      mas(s).providers[0]!.claims_imports = {};
      ak(s).providers[0]!.property_mappings = ['pm-openid'];
    });
    expect(runCheck(authentikScopeMappings, snap)).toEqual([]);
  });

  it('no openid mapping: no id_token at all', () => {
    const snap = changed((s) => (ak(s).providers[0]!.property_mappings = ['pm-email', 'pm-profile']));
    const [f] = runCheck(authentikScopeMappings, snap);
    expect(f!.detail).toContain('"openid" (an id_token is only issued for the openid scope)');
    expect(f!.detail).toContain('the sign-in fails');
  });

  it('the managed mapping deleted from Authentik: the fix says to create one', () => {
    const snap = changed((s) => {
      ak(s).scopeMappings = ak(s).scopeMappings.filter((m) => m.scope_name !== 'profile');
      ak(s).providers[0]!.property_mappings = ['pm-openid', 'pm-email'];
    });
    const [f] = runCheck(authentikScopeMappings, snap);
    expect(f!.fix!.summary).toContain('is missing from this Authentik');
    expect(f!.fix!.snippet).toBeUndefined();
  });

  it('not judged when the scope mappings could not be read', () => {
    const snap = changed((s) => {
      ak(s).scopeMappings = [];
      ak(s).gaps = [{ part: 'scopeMappings', error: { code: 'ERR_SOURCE_FORBIDDEN', message: 'no' } }];
    });
    expect(runCheck(authentikScopeMappings, snap)).toEqual([]);
  });
});
