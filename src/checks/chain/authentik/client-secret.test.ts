import { describe, expect, it } from 'vitest';
import { Secret } from '../../../snapshot/secret.js';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { CANARY } from '../../../../test/fixtures/snapshots/clean.js';
import { authentikClientSecret } from './client-secret.js';

describe('authentik/client-secret', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(authentikClientSecret));

  it('a different secret: lengths and fingerprints only, never the values', () => {
    const snap = changed(
      (s) => (mas(s).providers[0]!.client_secret = new Secret(`${CANARY.clientSecret}\n`)),
    );
    const findings = runCheck(authentikClientSecret, snap);
    expect(pairsOf(findings)).toEqual([['authentik-client-secret-mismatch', 'provider/matrix-provider']]);
    const f = findings[0]!;
    expect(f.detail).toContain('differ by one');
    expect(f.evidence[0]!.excerpt).toMatch(
      /^upstream_oauth2\.providers\[0\]\.client_secret: 26 characters, sha256 [0-9a-f]{8}…$/,
    );
    expect(f.evidence[1]!.excerpt).toMatch(/client_secret: 25 characters, sha256 [0-9a-f]{8}…$/);
    expect(f.fix!.repair).toBe('mas-set-client-secret');
  });

  it('secrets from a bundle are compared by fingerprint', () => {
    const same = new Secret(CANARY.clientSecret).toJSON();
    const other = new Secret('something-else').toJSON();
    expect(
      runCheck(
        authentikClientSecret,
        changed((s) => (mas(s).providers[0]!.client_secret = same)),
      ),
    ).toEqual([]);
    expect(
      runCheck(
        authentikClientSecret,
        changed((s) => (mas(s).providers[0]!.client_secret = other)),
      ),
    ).toHaveLength(1);
  });

  it('client_secret_file cannot be compared: no finding', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.client_secret = undefined;
      mas(s).providers[0]!.client_secret_file = '/secrets/client-secret';
    });
    expect(runCheck(authentikClientSecret, snap)).toEqual([]);
  });

  it('a public provider, a secret Authentik did not show, method none: nothing to compare', () => {
    const wrong = new Secret('wrong-secret-value');
    expect(
      runCheck(
        authentikClientSecret,
        changed((s) => {
          mas(s).providers[0]!.client_secret = wrong;
          ak(s).providers[0]!.client_type = 'public';
        }),
      ),
    ).toEqual([]);
    expect(
      runCheck(
        authentikClientSecret,
        changed((s) => {
          mas(s).providers[0]!.client_secret = wrong;
          ak(s).providers[0]!.client_secret = undefined;
        }),
      ),
    ).toEqual([]);
    expect(
      runCheck(
        authentikClientSecret,
        changed((s) => {
          mas(s).providers[0]!.client_secret = wrong;
          mas(s).providers[0]!.token_endpoint_auth_method = 'none';
        }),
      ),
    ).toEqual([]);
  });
});
