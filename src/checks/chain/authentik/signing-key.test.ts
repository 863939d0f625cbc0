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
import { authentikSigningKey } from './signing-key.js';

describe('authentik/signing-key', () => {
  it('is quiet for a healthy chain (RSA key, RS256)', () => expectCleanIsQuiet(authentikSigningKey));

  it('no signing key: HS256 and an empty JWKS, fixed by selecting the self-signed key', () => {
    const snap = changed((s) => {
      ak(s).providers[0]!.signing_key = null;
      const d = disc(s, PROVIDER_ID);
      d.document.id_token_signing_alg_values_supported = ['HS256'];
      d.jwks = {
        status: 'ok',
        ms: 1,
        data: { url: 'https://auth.example.org/application/o/matrix/jwks/', body: {} },
      };
      s.logs = [
        {
          source: 'mas',
          line: 'ERROR mas_handlers::upstream_oauth2::callback Failed to fetch JWKS: missing field `keys` at line 1 column 2',
        },
      ];
    });
    const findings = runCheck(authentikSigningKey, snap);
    expect(pairsOf(findings)).toEqual([['authentik-no-signing-key', 'provider/matrix-provider']]);
    const f = findings[0]!;
    expect(f.evidence.map((e) => e.excerpt)).toEqual([
      'provider matrix-provider: signing_key: null',
      'id_token_signing_alg_values_supported: ["HS256"]',
      'https://auth.example.org/application/o/matrix/jwks/: {}',
      expect.stringContaining('missing field `keys`'),
    ]);
    expect(f.fix!.summary).toContain('"authentik Self-signed Certificate"');
    expect(f.fix!.snippet).toContain('{"signing_key":"key-rsa"}');
    expect(f.fix!.repair).toBe('authentik-set-signing-key');
  });

  it('an EC key while MAS expects RS256 (the default)', () => {
    const snap = changed((s) => {
      ak(s).keypairs = [
        { pk: 'key-ec', name: 'ec-key', key_type: 'ec', private_key_available: true },
        {
          pk: 'key-rsa',
          name: 'authentik Self-signed Certificate',
          key_type: 'rsa',
          private_key_available: true,
        },
      ];
      ak(s).providers[0]!.signing_key = 'key-ec';
    });
    const findings = runCheck(authentikSigningKey, snap);
    expect(pairsOf(findings)).toEqual([['authentik-signing-alg-mismatch', 'provider/matrix-provider']]);
    expect(findings[0]!.detail).toContain('MAS expects RS256');
    expect(findings[0]!.fix!.snippet).toContain('{"signing_key":"key-rsa"}');
  });

  it('an EC key and ES256 in MAS is fine; ES384 advertised while MAS says ES256 is not', () => {
    const ec = (advertised: string) =>
      changed((s) => {
        ak(s).keypairs = [{ pk: 'key-ec', name: 'ec-key', key_type: 'ec', private_key_available: true }];
        ak(s).providers[0]!.signing_key = 'key-ec';
        mas(s).providers[0]!.id_token_signed_response_alg = 'ES256';
        disc(s, PROVIDER_ID).document.id_token_signing_alg_values_supported = [advertised];
      });
    expect(runCheck(authentikSigningKey, ec('ES256'))).toEqual([]);
    const [f] = runCheck(authentikSigningKey, ec('ES384'));
    expect(f!.detail).toContain('signs with ES384');
    // another EC key may have the same curve: MAS should follow what Authentik advertises
    expect(f!.fix!.repair).toBe('mas-set-alg');
    expect(f!.fix!.snippet).toContain('id_token_signed_response_alg: ES384');
  });

  it('an RSA key while MAS expects RS512: only MAS can follow, when no other key fits', () => {
    const snap = changed((s) => (mas(s).providers[0]!.id_token_signed_response_alg = 'RS512'));
    const [f] = runCheck(authentikSigningKey, snap);
    expect(f!.code).toBe('authentik-signing-alg-mismatch');
    expect(f!.detail).toContain('signs with RS256');
    expect(f!.fix!.repair).toBe('mas-set-alg');
    expect(f!.fix!.snippet).toContain('id_token_signed_response_alg: RS256');
  });

  it('an RSA key while MAS expects ES256, with an EC key pair at hand', () => {
    const snap = changed((s) => {
      ak(s).keypairs.push({ pk: 'key-ec', name: 'ec-key', key_type: 'ec', private_key_available: true });
      mas(s).providers[0]!.id_token_signed_response_alg = 'ES256';
    });
    const [f] = runCheck(authentikSigningKey, snap);
    expect(f!.fix!.repair).toBe('authentik-set-signing-key');
    expect(f!.fix!.snippet).toContain('{"signing_key":"key-ec"}');
  });

  it('an EC key, MAS RS256 and no RSA key pair: MAS should follow', () => {
    const snap = changed((s) => {
      ak(s).keypairs = [{ pk: 'key-ec', name: 'ec-key', key_type: 'ec', private_key_available: true }];
      ak(s).providers[0]!.signing_key = 'key-ec';
    });
    const [f] = runCheck(authentikSigningKey, snap);
    expect(f!.fix!.repair).toBe('mas-set-alg');
    expect(f!.fix!.snippet).toContain('id_token_signed_response_alg: ES256');
  });

  it('a key whose type the server does not tell is not judged', () => {
    const snap = changed((s) => {
      ak(s).keypairs[0]!.key_type = null;
      mas(s).providers[0]!.id_token_signed_response_alg = 'ES256';
    });
    expect(runCheck(authentikSigningKey, snap)).toEqual([]);
  });
});
