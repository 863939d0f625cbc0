import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  disc,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { PROVIDER_ID } from '../../../../test/fixtures/snapshots/clean.js';
import { authentikClientAuth } from './client-auth.js';

describe('authentik/client-auth', () => {
  it('is quiet for a healthy chain; post works too; public with none works', () => {
    expectCleanIsQuiet(authentikClientAuth);
    expect(
      runCheck(
        authentikClientAuth,
        changed((s) => (mas(s).providers[0]!.token_endpoint_auth_method = 'client_secret_post')),
      ),
    ).toEqual([]);
    const pub = changed((s) => {
      ak(s).providers[0]!.client_type = 'public';
      mas(s).providers[0]!.token_endpoint_auth_method = 'none';
      mas(s).providers[0]!.client_secret = undefined;
    });
    expect(runCheck(authentikClientAuth, pub)).toEqual([]);
  });

  it.each([
    ['confidential', 'none', 'sends no client secret'],
    ['confidential', 'private_key_jwt', 'which Authentik does not accept'],
    ['confidential', 'client_secret_jwt', 'which Authentik does not accept'],
    ['public', 'client_secret_basic', 'protects nothing'],
  ] as const)('%s + %s', (type, method, words) => {
    const snap = changed((s) => {
      ak(s).providers[0]!.client_type = type;
      mas(s).providers[0]!.token_endpoint_auth_method = method;
    });
    const findings = runCheck(authentikClientAuth, snap);
    expect(pairsOf(findings)).toEqual([['authentik-client-auth-mismatch', 'provider/matrix-provider']]);
    expect(findings[0]!.detail).toContain(words);
  });

  it('a method the discovery document does not list', () => {
    const snap = changed(
      (s) => (disc(s, PROVIDER_ID).document.token_endpoint_auth_methods_supported = ['client_secret_post']),
    );
    const [f] = runCheck(authentikClientAuth, snap);
    expect(f!.detail).toContain('lists only client_secret_post');
  });

  it('grant types without authorization_code (Authentik >= 2026.5)', () => {
    const snap = changed((s) => (ak(s).providers[0]!.grant_types = ['client_credentials']));
    const [f] = runCheck(authentikClientAuth, snap);
    expect(f!.detail).toContain('does not allow the authorization_code grant');
    expect(f!.fix!.snippet).toContain(
      '"grant_types":["client_credentials","authorization_code","refresh_token"]',
    );
    // older servers have no grant_types at all
    expect(
      runCheck(
        authentikClientAuth,
        changed((s) => (ak(s).providers[0]!.grant_types = undefined)),
      ),
    ).toEqual([]);
  });

  it('a missing method is left to mas-config-invalid', () => {
    expect(
      runCheck(
        authentikClientAuth,
        changed((s) => (mas(s).providers[0]!.token_endpoint_auth_method = undefined)),
      ),
    ).toEqual([]);
  });
});
