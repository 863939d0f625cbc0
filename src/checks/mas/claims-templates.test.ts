import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { runClaimsTemplatesCheck } from './claims-templates.js';

const provider = (claims: Record<string, string>, action = 'require') =>
  [
    'upstream_oauth2:',
    '  providers:',
    '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
    '      claims_imports:',
    ...Object.entries(claims).flatMap(([attr, template]) => [
      `        ${attr}:`,
      `          action: ${action}`,
      `          template: ${JSON.stringify(template)}`,
    ]),
  ].join('\n');
const check = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runClaimsTemplatesCheck(view);
};

describe('mas/claims-templates', () => {
  const findings = check(
    readFileSync(
      resolve(import.meta.dirname, '../../../test/fixtures/lint/mas/template-invalid.mas.yaml'),
      'utf8',
    ),
  );

  it('reports MiniJinja’s own syntax errors, pointing into the template', () => {
    const syntax = findings.filter((f) => f.detail.includes('syntax error'));
    expect(syntax.map((f) => [f.location?.line, f.location?.column])).toEqual([
      [15, 30],
      [20, 45],
    ]);
    expect(syntax[0]!.detail).toContain(
      'syntax error: unexpected end of input, expected end of variable block',
    );
  });

  it('knows Synapse’s localpart_from_email is not a MAS filter, and what to write instead', () => {
    const f = findings.find((x) => x.detail.includes('localpart_from_email'))!;
    expect(f.detail).toContain('unknown filter: filter localpart_from_email is unknown');
    expect(f.detail).toContain("(user.email | split('@'))[0]");
    expect(f.location).toMatchObject({ line: 12, column: 36 });
  });

  it('reports a template that only reads variables MAS does not provide', () => {
    const f = findings.find((x) => x.detail.includes('references'))!;
    expect(f.detail).toContain('did you mean `user.email`?');
  });

  it('reports a localpart template whose fixed text can never pass MAS’s policy', () => {
    const f = findings.find((x) => x.code === 'mapping-localpart-invalid')!;
    expect(f.location?.line).toBe(29);
    expect(f.detail).toContain('" "');
  });

  it('accepts what MAS’s environment has: contrib filters, MAS’s filters, pycompat methods, tests, macros', () => {
    const good = [
      '{{ user.preferred_username }}',
      "{{ (user.preferred_username | split('@'))[0] | lower }}",
      "{{ user.email.split('@')[0] }}",
      '{{ user.name | truncate(20) | striptags }}',
      '{{ user.groups | b64decode | from_json | first | string }}',
      '{% if user.nick is defined and user.nick is not none %}{{ user.nick }}{% else %}{{ user.sub }}{% endif %}',
      '{% set n = namespace(x=1) %}{{ user.sub ~ n.x }}',
      '{% macro m(v) %}{{ v }}{% endmacro %}{{ m(user.sub) }}',
      '{{ id_token_claims.sub }}',
      '{{ user["preferred_username"] | default("x", true) }}',
      'literal-but-valid',
    ];
    for (const template of good) expect(check(provider({ displayname: template })), template).toEqual([]);
  });

  it('checks additional_authorization_parameters with their own context', () => {
    const text = [
      'upstream_oauth2:',
      '  providers:',
      '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
      '      additional_authorization_parameters:',
      '        a: "{{ params.login_hint }}"',
      '        b: "{{ user.sub }}"',
    ].join('\n');
    const found = check(text);
    expect(found).toHaveLength(1);
    expect(found[0]!.detail).toContain('references `user`');
  });

  it('leaves templates with curly quotes to mas/smart-quotes', () => {
    expect(check(provider({ localpart: '{{ user.x | default(\u201cy\u201d) }}' }))).toEqual([]);
  });

  it('only judges the localpart policy for imported localparts', () => {
    expect(check(provider({ localpart: 'Admin' }, 'suggest'))).toEqual([]);
    expect(check(provider({ localpart: 'Admin' }, 'require')).map((f) => f.code)).toEqual([
      'mapping-localpart-invalid',
    ]);
    expect(check(provider({ localpart: '12345' }, 'force'))[0]!.detail).toContain('non-numeric');
    expect(check(provider({ localpart: '{{ user.preferred_username }}@example.com' }))[0]!.detail).toContain(
      '"@"',
    );
  });
});
