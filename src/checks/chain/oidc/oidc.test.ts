import { describe, expect, it } from 'vitest';
import { CODES } from '../../../codes/registry.js';
import {
  ak,
  changed,
  disc,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { AK, ISSUER, PROVIDER_ID, cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { oidcAlg } from './alg.js';
import { oidcDiscovery } from './discovery.js';
import { oidcChecks } from './index.js';
import { oidcInsecureEndpoint } from './insecure-endpoint.js';
import { issuerDifference, oidcIssuer } from './issuer.js';
import { jwksProblem, oidcJwks } from './jwks.js';

const SUBJECT = `provider/${PROVIDER_ID}`;

describe('oidcChecks', () => {
  it('covers every oidc-* code once, and the clean chain raises nothing', () => {
    const declared = oidcChecks.flatMap((c) => c.codes);
    expect([...declared].sort()).toEqual(
      Object.keys(CODES)
        .filter((c) => c.startsWith('oidc-'))
        .sort(),
    );
    for (const check of oidcChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
  });
});

describe('oidc/discovery', () => {
  it('is quiet for a healthy chain and for skipped providers', () => {
    expectCleanIsQuiet(oidcDiscovery);
    expect(
      runCheck(
        oidcDiscovery,
        changed((s) => (s.discovery[PROVIDER_ID] = { status: 'skipped', reason: 'disabled' })),
      ),
    ).toEqual([]);
  });

  it('a private CA: the TLS sentence, and how to make MAS trust the CA', () => {
    const snap = changed((s) => {
      s.discovery[PROVIDER_ID] = {
        status: 'unreachable',
        ms: 12,
        error: {
          code: 'ERR_SOURCE_TLS',
          url: `${ISSUER}.well-known/openid-configuration`,
          message: `The discovery document could not be fetched from ${ISSUER}.well-known/openid-configuration: the TLS certificate of auth.example.org is not trusted (SELF_SIGNED_CERT_IN_CHAIN); a private CA must be trusted explicitly`,
        },
      };
      s.logs = [
        {
          source: 'mas',
          line: 'ERROR mas_handlers::upstream_oauth2::cache:190 Failed to fetch provider metadata issuer=https://auth.example.org/application/o/matrix/ error.sources=[invalid peer certificate: UnknownIssuer]',
        },
      ];
    });
    const findings = runCheck(oidcDiscovery, snap);
    expect(pairsOf(findings)).toEqual([['oidc-discovery-unreachable', SUBJECT]]);
    expect(findings[0]!.detail).toContain('is not trusted (SELF_SIGNED_CERT_IN_CHAIN)');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['discovery', 'log']);
    expect(findings[0]!.fix!.snippet).toContain('SSL_CERT_FILE');
  });

  it('a 404 names the missing application slug and the one the provider belongs to', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.issuer = `${AK}/application/o/element/`;
      s.discovery[PROVIDER_ID] = {
        status: 'error',
        ms: 5,
        error: {
          code: 'ERR_SOURCE_HTTP_STATUS',
          status: 404,
          url: `${AK}/application/o/element/.well-known/openid-configuration`,
          message: `The discovery document at ${AK}/application/o/element/.well-known/openid-configuration answered HTTP 404`,
        },
      };
    });
    const [f] = runCheck(oidcDiscovery, snap);
    expect(f!.detail).toContain('no application with the slug "element"');
    expect(f!.detail).toContain('belongs to the application "matrix"');
  });

  it('a document MAS rejects: a missing jwks_uri, in MAS wording', () => {
    const snap = changed((s) => delete disc(s, PROVIDER_ID).document.jwks_uri);
    const findings = runCheck(oidcDiscovery, snap);
    expect(pairsOf(findings)).toEqual([['oidc-discovery-unreachable', SUBJECT]]);
    expect(findings[0]!.title).toBe('MAS rejects the OIDC discovery document');
    expect(findings[0]!.detail).toContain('"JWK Set URI is missing"');
  });
});

describe('oidc/issuer', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(oidcIssuer));

  it('the missing trailing slash: both strings, the first difference marked', () => {
    const snap = changed((s) => (mas(s).providers[0]!.issuer = ISSUER.slice(0, -1)));
    const findings = runCheck(oidcIssuer, snap);
    expect(pairsOf(findings)).toEqual([['oidc-issuer-mismatch', SUBJECT]]);
    const f = findings[0]!;
    expect(f.detail).toContain("ends with a slash that MAS's issuer lacks");
    expect(f.detail).toContain(`issuer URLs don't match: expected "${ISSUER.slice(0, -1)}", got "${ISSUER}"`);
    const lines = f.evidence[0]!.excerpt.split('\n');
    expect(lines[0]).toBe(`MAS issuer:       "${ISSUER.slice(0, -1)}"`);
    expect(lines[1]).toBe(`discovery issuer: "${ISSUER}"`);
    expect(lines[2]!.indexOf('^')).toBe(lines[1]!.length - 2); // under the slash
    expect(f.fix!.snippet).toContain(`issuer: '${ISSUER}'`);
    expect(f.fix!.repair).toBe('mas-set-issuer');
  });

  it('an http issuer from a proxy without X-Forwarded-Proto: fix the proxy, not MAS', () => {
    const snap = changed((s) => (disc(s, PROVIDER_ID).document.issuer = ISSUER.replace('https:', 'http:')));
    const [f] = runCheck(oidcIssuer, snap);
    expect(f!.detail).toContain('X-Forwarded-Proto');
    expect(f!.fix!.repair).toBeNull();
  });

  it('in insecure discovery mode the id_token iss check still fails', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.issuer = ISSUER.slice(0, -1);
      mas(s).providers[0]!.discovery_mode = 'insecure';
    });
    expect(runCheck(oidcIssuer, snap)[0]!.detail).toContain('rejects every id_token');
  });

  it('issuer mode global on the Authentik provider is pointed out', () => {
    const snap = changed((s) => {
      ak(s).providers[0]!.issuer_mode = 'global';
      disc(s, PROVIDER_ID).document.issuer = `${AK}/`;
    });
    const [f] = runCheck(oidcIssuer, snap);
    expect(f!.detail).toContain('issuer mode "global"');
    expect(f!.detail).toContain('the path differs');
  });

  it('issuerDifference in words', () => {
    expect(issuerDifference('https://a.example/x/', 'https://b.example/x/').words).toContain(
      'the host differs (a.example in MAS, b.example in discovery)',
    );
    expect(issuerDifference('https://A.example/x/', 'https://a.example/x/').words).toBe(
      'they differ only in upper/lower case',
    );
  });
});

describe('oidc/jwks', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(oidcJwks));

  it.each([
    [{}, 'missing field `keys`'],
    [{ keys: [] }, 'none of the keys worked'],
    [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, 'unknown variant `oct`'],
    [{ keys: [{ kty: 'RSA', e: 'AQAB' }] }, 'missing field `n`'],
    [[], 'Failed to fetch JWKS'],
  ])('%j -> %s', (body, words) => {
    expect(jwksProblem(body)?.mas).toContain(words);
    const snap = changed(
      (s) =>
        (disc(s, PROVIDER_ID).jwks = {
          status: 'ok',
          ms: 1,
          data: { url: `${AK}/application/o/matrix/jwks/`, body },
        }),
    );
    const findings = runCheck(oidcJwks, snap);
    expect(pairsOf(findings)).toEqual([['oidc-jwks-invalid', SUBJECT]]);
    expect(findings[0]!.detail).toContain(words);
  });

  it('with no signing key on the provider, the cause is named', () => {
    const snap = changed((s) => {
      ak(s).providers[0]!.signing_key = null;
      disc(s, PROVIDER_ID).jwks = {
        status: 'ok',
        ms: 1,
        data: { url: `${AK}/application/o/matrix/jwks/`, body: {} },
      };
    });
    const [f] = runCheck(oidcJwks, snap);
    expect(f!.detail).toContain('has no signing key');
  });

  it('a JWKS that cannot be fetched', () => {
    const snap = changed((s) => {
      disc(s, PROVIDER_ID).jwks = {
        status: 'error',
        ms: 1,
        error: {
          code: 'ERR_SOURCE_HTTP_STATUS',
          status: 503,
          message: `The JWKS at ${AK}/application/o/matrix/jwks/ answered HTTP 503`,
        },
      };
    });
    expect(pairsOf(runCheck(oidcJwks, snap))).toEqual([['oidc-jwks-invalid', SUBJECT]]);
  });
});

describe('oidc/alg', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(oidcAlg));

  it('HS256 only: MAS cannot verify it', () => {
    const snap = changed(
      (s) => (disc(s, PROVIDER_ID).document.id_token_signing_alg_values_supported = ['HS256']),
    );
    const findings = runCheck(oidcAlg, snap);
    expect(pairsOf(findings)).toEqual([['oidc-alg-unsupported', SUBJECT]]);
    expect(findings[0]!.detail).toContain('HS256 alone means the provider has no signing key');
    expect(findings[0]!.fix!.snippet).toBeUndefined();
  });

  it('ES256 advertised while MAS expects RS256: MAS should say ES256', () => {
    const snap = changed(
      (s) => (disc(s, PROVIDER_ID).document.id_token_signing_alg_values_supported = ['ES256']),
    );
    const [f] = runCheck(oidcAlg, snap);
    expect(f!.fix!.snippet).toContain('id_token_signed_response_alg: ES256');
  });

  it('MAS set to HS256 even though it is advertised', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.id_token_signed_response_alg = 'HS256';
      disc(s, PROVIDER_ID).document.id_token_signing_alg_values_supported = ['RS256', 'HS256'];
    });
    const [f] = runCheck(oidcAlg, snap);
    expect(f!.detail).toContain('never with the client secret');
    expect(f!.fix!.snippet).toContain('id_token_signed_response_alg: RS256');
  });
});

describe('oidc/insecure-endpoint', () => {
  it('is quiet for a healthy chain and in insecure mode', () => {
    expectCleanIsQuiet(oidcInsecureEndpoint);
    const snap = changed((s) => {
      disc(s, PROVIDER_ID).document.token_endpoint = 'http://auth.example.org/application/o/token/';
      mas(s).providers[0]!.discovery_mode = 'insecure';
    });
    expect(runCheck(oidcInsecureEndpoint, snap)).toEqual([]);
  });

  it('http endpoints under strict discovery, with MAS wording for the first', () => {
    const snap = changed((s) => {
      const doc = disc(s, PROVIDER_ID).document;
      doc.token_endpoint = 'http://auth.example.org/application/o/token/';
      doc.jwks_uri = 'http://auth.example.org/application/o/matrix/jwks/';
    });
    const findings = runCheck(oidcInsecureEndpoint, snap);
    expect(pairsOf(findings)).toEqual([['oidc-insecure-endpoint', SUBJECT]]);
    expect(findings[0]!.detail).toContain(
      `"token_endpoint's URL doesn't use a https scheme: http://auth.example.org/application/o/token/"`,
    );
    expect(findings[0]!.evidence.map((e) => e.excerpt)).toEqual([
      'token_endpoint: http://auth.example.org/application/o/token/',
      'jwks_uri: http://auth.example.org/application/o/matrix/jwks/',
    ]);
  });
});
