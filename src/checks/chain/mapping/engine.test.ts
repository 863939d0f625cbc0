import { describe, expect, it } from 'vitest';
import { faithfullyRenderable, renderTemplate, templateContext } from './engine.js';
import { localpartViolations } from './policy.js';
import { lowered, referencedClaims } from './imports.js';

const ctx = templateContext(
  { sub: 's1', preferred_username: 'Boje', email: 'boje@example.org' },
  { name: 'Boje B', email: 'other@x' },
);

describe('renderTemplate, as MAS renders claims_imports', () => {
  it.each([
    ['{{ user.preferred_username }}', 'Boje'],
    ['{{ user.preferred_username | lower }}', 'boje'],
    ['{{ user.missing }}', ''],
    ['{{ user.email }}', 'boje@example.org'], // the id_token wins over userinfo
    ['{{ userinfo_claims.email }}', 'other@x'],
    ['{{ user.name }}', 'Boje B'],
    ["{{ user.email | split('@') | first }}", 'boje'],
    ["{{ user.email.split('@')[0] }}", 'boje'],
    ['{{ "aGVsbG8=" | b64decode }}', 'hello'],
    ['{{ (\'{"a": "b"}\' | from_json).a }}', 'b'],
  ])('%s -> %j', (template, value) => expect(renderTemplate(template, ctx)).toEqual({ ok: true, value }));

  it('errors come back as MiniJinja says them, and the environment survives them', () => {
    expect(renderTemplate('{{ user.missing.deeper }}', ctx)).toEqual({
      ok: false,
      error: 'undefined value (in <string>:1)',
    });
    expect(renderTemplate('{{ "!!" | b64decode }}', ctx)).toEqual({
      ok: false,
      error: 'invalid operation: Failed to decode base64 string',
    });
    expect(renderTemplate('{{ user.preferred_username | localpart_from_email }}', ctx)).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown filter'),
    });
    expect(renderTemplate('{{ user.preferred_username }}', ctx)).toEqual({ ok: true, value: 'Boje' });
  });

  it('no userinfo, no userinfo_claims', () => {
    expect(templateContext({ sub: 'x' }, undefined)).toEqual({
      user: { sub: 'x' },
      id_token_claims: { sub: 'x' },
    });
    expect(faithfullyRenderable('{{ (user.x | b64decode | tlvdecode)[1] }}')).toBe(false);
  });

  it('referencedClaims and lowered', () => {
    expect(
      referencedClaims(
        "{{ user.email | split('@') | first }} {{ id_token_claims['name'] }} {{ user.get('nickname') }}",
      ),
    ).toEqual({
      claims: new Set(['email', 'name', 'nickname']),
      opaque: false,
    });
    expect(referencedClaims('{{ user | tojson }}').opaque).toBe(true);
    expect(lowered('{{ user.preferred_username }}')).toBe('{{ user.preferred_username | lower }}');
    expect(lowered('{{ user.preferred_username | lower }}')).toBe('{{ user.preferred_username | lower }}');
  });
});

describe("MAS's localpart policy", () => {
  it.each([
    ['boje', []],
    ['Boje', ['username-invalid-chars']],
    ['boje@example.org', ['username-invalid-chars']],
    ['12345', ['username-all-numeric']],
    ['', ['username-too-short', 'username-invalid-chars']],
    ['a'.repeat(250), ['username-too-long']],
  ])('%j', (lp, codes) => {
    expect(
      localpartViolations(lp, { matrix: { homeserver: 'example.org' } } as never).map((v) => v.code),
    ).toEqual(codes);
  });
  it('registration lists from policy.data', () => {
    const mas = {
      matrix: { homeserver: 'example.org' },
      raw: {
        policy: {
          data: {
            registration: {
              banned_usernames: { prefixes: ['admin'] },
              allowed_usernames: { regexes: ['^[a-z]+$'] },
            },
          },
        },
      },
    } as never;
    expect(localpartViolations('admin', mas).map((v) => v.code)).toEqual(['username-banned']);
    expect(localpartViolations('bo.je', mas).map((v) => v.code)).toEqual(['username-not-allowed']);
  });
});
