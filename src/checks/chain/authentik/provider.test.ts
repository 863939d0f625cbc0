import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { PROVIDER_ID } from '../../../../test/fixtures/snapshots/clean.js';
import { authentikProvider } from './provider.js';

describe('authentik/provider', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(authentikProvider));

  it('a client_id no provider has, with the provider the issuer slug points at', () => {
    const snap = changed((s) => (mas(s).providers[0]!.client_id = 'matrix-client-id-typo'));
    const findings = runCheck(authentikProvider, snap);
    expect(pairsOf(findings)).toEqual([['authentik-provider-missing', `provider/${PROVIDER_ID}`]]);
    expect(findings[0]!.detail).toContain('"matrix-client-id-typo"');
    expect(findings[0]!.detail).toContain('"matrix-client-id": most likely the one meant');
    expect(findings[0]!.fix!.snippet).toContain('client_id: "matrix-client-id"');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual([
      'mas-config',
      'authentik-api',
      'authentik-api',
    ]);
  });

  it('another identity provider (not Authentik) is not judged', () => {
    const snap = changed((s) => {
      const p = mas(s).providers[0]!;
      p.client_id = 'google-client';
      p.issuer = 'https://accounts.google.com';
    });
    expect(runCheck(authentikProvider, snap)).toEqual([]);
  });

  it('a disabled MAS provider is not judged', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.client_id = 'x';
      mas(s).providers[0]!.enabled = false;
    });
    expect(runCheck(authentikProvider, snap)).toEqual([]);
  });

  it('a provider assigned to no application', () => {
    const snap = changed((s) => {
      ak(s).providers[0]!.assigned_application_slug = null;
      ak(s).applications = [];
      s.discovery[PROVIDER_ID] = {
        status: 'error',
        ms: 5,
        error: {
          code: 'ERR_SOURCE_HTTP_STATUS',
          status: 404,
          message:
            'The discovery document at https://auth.example.org/application/o/matrix/.well-known/openid-configuration answered HTTP 404',
        },
      };
    });
    const findings = runCheck(authentikProvider, snap);
    expect(pairsOf(findings)).toEqual([['authentik-application-missing', 'provider/matrix-provider']]);
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['authentik-api', 'discovery']);
    expect(findings[0]!.fix!.snippet).toContain('"slug":"matrix","provider":1');
  });

  it('judges nothing without the Authentik or the MAS facts', () => {
    expect(
      runCheck(
        authentikProvider,
        changed((s) => (s.masConfig = { status: 'skipped', reason: 'x' })),
      ),
    ).toEqual([]);
  });
});
