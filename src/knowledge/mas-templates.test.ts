import { describe, expect, it } from 'vitest';
import { buildContext, renderTemplate } from './mas-templates.js';

const ctx = buildContext({
  idTokenClaims: { sub: 'abc', preferred_username: 'Boje.Test', email: 'boje@example.test', name: 'Boje' },
  userinfoClaims: { name: 'Overridden by the id_token', groups: ['a', 'b'] },
});

const render = (t: string, c = ctx) => {
  const r = renderTemplate(t, c);
  return r.ok ? r.value : `ERROR: ${r.error}`;
};

describe('claims_imports templates (MiniJinja + MAS filters)', () => {
  it('renders the documented templates', () => {
    expect(render('{{ user.preferred_username }}')).toBe('Boje.Test');
    expect(render('{{ user.preferred_username | lower }}')).toBe('boje.test');
    expect(render("{{ (user.email | split('@'))[0] }}")).toBe('boje');
    expect(render("{{ user.email | split('@') | first }}")).toBe('boje');
    expect(render("{{ user.email.split('@')[0] }}")).toBe('boje');
  });

  it('merges userinfo under the id_token claims in `user`', () => {
    expect(render('{{ user.name }}')).toBe('Boje');
    expect(render('{{ userinfo_claims.name }}')).toBe('Overridden by the id_token');
    expect(render('{{ user.groups | join(",") }}')).toBe('a,b');
    expect(render('{{ id_token_claims.sub }}')).toBe('abc');
  });

  it('renders a missing claim as the empty string (lenient undefined)', () => {
    expect(render('{{ user.nickname }}')).toBe('');
    expect(render('{{ user.nickname.first }}')).toMatch(/^ERROR: undefined value/);
  });

  it('has no `user` when neither an id_token nor userinfo is available', () => {
    expect(render('{{ user.sub }}', buildContext({}))).toMatch(/^ERROR: undefined value/);
  });

  it('provides b64decode, b64encode, tlvdecode, string and from_json', () => {
    expect(render("{{ 'cGFkZGluZw==' | b64decode }}")).toBe('padding');
    expect(render("{{ 'dW5wYWRkZWQ' | b64decode }}")).toBe('unpadded');
    expect(render("{{ 'hi' | b64encode }}")).toBe('aGk=');
    expect(
      render(
        "{%- set tlv = 'Cg0wLTM4NS0yODA4OS0wEgRtb2Nr' | b64decode | tlvdecode -%}{{ tlv[10]|string }}/{{ tlv[18]|string }}",
      ),
    ).toBe('0-385-28089-0/mock');
    expect(render('{{ (\'{"a": [1, 2]}\' | from_json).a[1] }}')).toBe('2');
    expect(render('{{ 12 | string }}')).toBe('12');
    expect(render("{{ 'not base64!' | b64decode }}")).toMatch(/^ERROR: .*Failed to decode base64 string/);
  });

  it('reports syntax errors', () => {
    expect(render('{{ user.preferred_username ')).toMatch(/^ERROR: syntax error/);
  });
});
