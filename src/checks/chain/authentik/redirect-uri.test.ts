import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { MAS, PROVIDER_ID } from '../../../../test/fixtures/snapshots/clean.js';
import { authentikRedirectUri, pyFullmatch } from './redirect-uri.js';

const CALLBACK = `${MAS}/upstream/callback/${PROVIDER_ID}`;
const setUris = (
  uris: { matching_mode: 'strict' | 'regex'; url: string; redirect_uri_type?: 'authorization' | 'logout' }[],
) => changed((s) => (ak(s).providers[0]!.redirect_uris = uris));

describe('pyFullmatch (Python re.fullmatch semantics)', () => {
  it.each([
    [
      'https://mas\\.example\\.org/upstream/callback/.*',
      'https://mas.example.org/upstream/callback/01ABC',
      true,
    ],
    ['https://mas.example.org/upstream/callback/', 'https://mas.example.org/upstream/callback/01ABC', false],
    ['https://mas.example.org/upstream', 'https://mas.example.org/upstream/callback/x', false],
    ['(?i)HTTPS://MAS.EXAMPLE.ORG/.*', 'https://mas.example.org/x', true],
    ['(?P<host>[a-z.]+)/(?P=host)', 'a.b/a.b', true],
    ['\\Ahttps://x/.*\\Z', 'https://x/y', true],
    ['a|b', 'ab', false],
  ])('%s ~ %s', (p, s, expected) => expect(pyFullmatch(p, s)).toBe(expected));
  it('gives up on what it cannot translate faithfully', () => {
    expect(pyFullmatch('(?>a+)b', 'aab')).toBeUndefined();
    expect(pyFullmatch('a++b', 'aab')).toBeUndefined();
    expect(pyFullmatch('(?i:a)b', 'Ab')).toBeUndefined();
    expect(pyFullmatch('(unclosed', 'x')).toBeUndefined();
  });
});

describe('authentik/redirect-uri', () => {
  it('is quiet for a healthy chain, a matching regex, an empty list', () => {
    expectCleanIsQuiet(authentikRedirectUri);
    expect(
      runCheck(
        authentikRedirectUri,
        setUris([{ matching_mode: 'regex', url: `${MAS}/upstream/callback/.*` }]),
      ),
    ).toEqual([]);
    expect(runCheck(authentikRedirectUri, setUris([]))).toEqual([]);
  });

  it('a trailing slash too many: strict means equal', () => {
    const findings = runCheck(
      authentikRedirectUri,
      setUris([{ matching_mode: 'strict', url: `${CALLBACK}/` }]),
    );
    expect(pairsOf(findings)).toEqual([['authentik-redirect-uri-missing', 'provider/matrix-provider']]);
    const f = findings[0]!;
    expect(f.detail).toContain(`"${CALLBACK}"`);
    expect(f.detail).toContain('differs only by a trailing slash');
    expect(f.fix!.repair).toBe('authentik-add-redirect-uri');
    expect(f.fix!.snippet).toContain(`{"matching_mode":"strict","url":"${CALLBACK}"}`);
  });

  it('a lower-case ULID, another host, a changed provider id, a missing path prefix', () => {
    const cases: [string, string][] = [
      [CALLBACK.replace(PROVIDER_ID, PROVIDER_ID.toLowerCase()), 'upper/lower case'],
      [`https://matrix.example.org/upstream/callback/${PROVIDER_ID}`, 'points at https://matrix.example.org'],
      [`${MAS}/upstream/callback/01HFRQFT5QFMJFGF01P7JAV2ME`, 'names provider ID 01HFRQFT5QFMJFGF01P7JAV2ME'],
      [`${MAS}/auth/upstream/callback/${PROVIDER_ID}`, 'has the path /auth/upstream/callback/'],
    ];
    for (const [url, words] of cases) {
      const [f] = runCheck(authentikRedirectUri, setUris([{ matching_mode: 'strict', url }]));
      expect(f?.detail, url).toContain(words);
    }
  });

  it('a regex that does not match in full', () => {
    const findings = runCheck(
      authentikRedirectUri,
      setUris([{ matching_mode: 'regex', url: `${MAS}/upstream/callback` }]),
    );
    expect(pairsOf(findings)).toEqual([['authentik-redirect-uri-missing', 'provider/matrix-provider']]);
  });

  it('logout entries do not count', () => {
    const findings = runCheck(
      authentikRedirectUri,
      setUris([
        { matching_mode: 'strict', url: CALLBACK, redirect_uri_type: 'logout' },
        { matching_mode: 'strict', url: 'https://x/cb' },
      ]),
    );
    expect(pairsOf(findings)).toEqual([['authentik-redirect-uri-missing', 'provider/matrix-provider']]);
  });

  it('the callback follows public_base with a path prefix', () => {
    const snap = changed((s) => {
      mas(s).publicBase = `${MAS}/auth/`;
      ak(s).providers[0]!.redirect_uris = [
        { matching_mode: 'strict', url: `${MAS}/auth/upstream/callback/${PROVIDER_ID}` },
      ];
    });
    expect(runCheck(authentikRedirectUri, snap)).toEqual([]);
  });

  it('a regex it cannot evaluate is given the benefit of the doubt', () => {
    expect(
      runCheck(authentikRedirectUri, setUris([{ matching_mode: 'regex', url: '(?>https://.*)' }])),
    ).toEqual([]);
  });

  it('an old Authentik (one string of regexes): the fix escapes the URL into that string', () => {
    const snap = changed((s) => {
      ak(s).version = '2024.8.3';
      ak(s).providers[0]!.redirect_uris = [{ matching_mode: 'regex', url: 'https://other.example/cb' }];
    });
    const [f] = runCheck(authentikRedirectUri, snap);
    expect(f!.fix!.snippet).toContain('https://account\\\\.example\\\\.org/upstream/callback/');
  });

  it('configuration_error events are evidence', () => {
    const snap = changed((s) => {
      ak(s).providers[0]!.redirect_uris = [{ matching_mode: 'strict', url: 'https://x/cb' }];
      ak(s).events = [
        {
          pk: 'e1',
          action: 'configuration_error',
          created: '2026-11-28T09:00:00Z',
          context: { message: 'Invalid redirect URI used by provider', redirect_uri: CALLBACK },
        },
      ];
    });
    const [f] = runCheck(authentikRedirectUri, snap);
    expect(f!.evidence.at(-1)!.excerpt).toContain('Invalid redirect URI used by provider (client used');
  });

  it("no public_base, or MAS's default one: nothing to compare (mas-public-base-default reports it)", () => {
    for (const base of [undefined, 'http://[::]:8080/']) {
      const snap = changed((s) => {
        mas(s).publicBase = base;
        ak(s).providers[0]!.redirect_uris = [{ matching_mode: 'strict', url: 'https://x/cb' }];
      });
      expect(runCheck(authentikRedirectUri, snap)).toEqual([]);
    }
  });
});
