import { describe, expect, it } from 'vitest';
import { evaluate, resolveClaimsTemplate, UnsupportedExpression, type ExprUser } from './expression.js';
import { SEED } from './scenario.js';

const user: ExprUser = {
  pk: 7,
  uid: 'abc',
  uuid: 'u',
  username: 'boje',
  name: 'Boje',
  email: 'boje@example.org',
  is_active: true,
  is_superuser: false,
  type: 'external',
  path: 'users',
  attributes: { email_verified: true, nested: { x: 1 } },
  groups: [{ name: 'matrix-users', attributes: {}, pk: 'g', is_superuser: false }],
};

const mapping = (name: string) => SEED.property_mappings![name]!.expression!;

describe('expression interpreter', () => {
  it('evaluates the default profile mapping (comments, comprehension over groups)', () => {
    expect(evaluate(mapping("authentik default OAuth Mapping: OpenID 'profile'"), user).value).toEqual({
      name: 'Boje',
      given_name: 'Boje',
      preferred_username: 'boje',
      nickname: 'boje',
      groups: ['matrix-users'],
    });
  });

  it('evaluates the default email mapping with email_verified False (Authentik >= 2025.10)', () => {
    expect(evaluate(mapping("authentik default OAuth Mapping: OpenID 'email'"), user).value).toEqual({
      email: 'boje@example.org',
      email_verified: false,
    });
  });

  it('understands attributes.get, policies with ak_message and group membership', () => {
    expect(
      evaluate(
        'return {"email": request.user.email, "email_verified": request.user.attributes.get("email_verified", False)}',
        user,
      ).value,
    ).toEqual({ email: 'boje@example.org', email_verified: true });
    const r = evaluate(
      'ak_message("not in the matrix group")\nreturn ak_is_group_member(request.user, name="admins")',
      user,
    );
    expect(r).toEqual({ value: false, messages: ['not in the matrix group'] });
    expect(evaluate('return request.user.username == "boje" and not False', user).value).toBe(true);
    expect(evaluate("return 'matrix-users' in [g.name for g in user.ak_groups.all()]", user).value).toBe(
      true,
    );
  });

  it('refuses what it does not understand instead of guessing', () => {
    expect(() => evaluate('import os\nreturn os.environ', user)).toThrow(UnsupportedExpression);
    expect(() => evaluate('return request.user.some_method()', user)).toThrow(UnsupportedExpression);
  });

  it('resolves the emulator-only claims template', () => {
    expect(
      resolveClaimsTemplate(
        { a: '$user.username', b: '$groups', c: true, d: '$user.attributes.nested.x' },
        user,
      ),
    ).toEqual({
      a: 'boje',
      b: ['matrix-users'],
      c: true,
      d: 1,
    });
  });
});
