import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyMaterial, publicJwk } from './keys.js';

describe('generated key material', () => {
  it('builds a self-signed RSA certificate Node can parse and verify', () => {
    const m = generateKeyMaterial('authentik Self-signed Certificate', 'rsa');
    const cert = new X509Certificate(m.certDer);
    expect(cert.subject).toContain('CN=authentik Self-signed Certificate');
    expect(cert.verify(m.publicKey)).toBe(true);
    expect(m.alg).toBe('RS256');
    expect(m.kid).toMatch(/^[0-9a-f]{32}$/);
    expect(publicJwk(m)).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: m.kid });
  });

  it('always builds a parseable certificate (DER integers stay minimal)', () => {
    for (let i = 0; i < 200; i++) {
      const m = generateKeyMaterial(`many ${i}`, 'ec');
      expect(new X509Certificate(m.certDer).serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    }
  });

  it('builds EC certificates whose algorithm follows the curve', () => {
    for (const [curve, alg] of [
      ['P-256', 'ES256'],
      ['P-384', 'ES384'],
      ['P-521', 'ES512'],
    ] as const) {
      const m = generateKeyMaterial(`ec ${curve}`, 'ec', curve);
      expect(new X509Certificate(m.certDer).verify(m.publicKey)).toBe(true);
      expect(m.alg).toBe(alg);
      expect(publicJwk(m)).toMatchObject({ kty: 'EC', crv: curve, alg });
    }
  });
});
