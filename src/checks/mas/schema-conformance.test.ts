import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { findSchemaViolations, runSchemaConformanceCheck } from './schema-conformance.js';

const WHOLE = { secrets: { encryption_file: '/e' }, matrix: { secret_file: '/s' } };
const messages = (data: unknown, fragment = false) =>
  findSchemaViolations(data, fragment).map((v) => `${v.path.join('.')}: ${v.message}`);

describe('mas/schema-conformance', () => {
  it('reports a missing token_endpoint_auth_method as MAS does, at the provider', () => {
    const view = viewFromYaml(
      'mas',
      ['upstream_oauth2:', '  providers:', '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME', '      client_id: x'].join(
        '\n',
      ),
    );
    const [f] = runSchemaConformanceCheck(view, [view]);
    expect(f).toMatchObject({ code: 'mas-config-invalid', location: { line: 3, column: 7 } });
    expect(f!.detail).toContain('upstream_oauth2.providers.0: missing field `token_endpoint_auth_method`');
    expect(f!.detail).toContain('client_secret_basic');
  });

  it('uses figment’s wording for types and variants, with a did-you-mean', () => {
    expect(
      messages({
        ...WHOLE,
        upstream_oauth2: {
          providers: [
            {
              id: 'A',
              client_id: 'c',
              token_endpoint_auth_method: 'client_secret_basci',
              scope: ['openid'],
              fetch_userinfo: 'yes',
            },
          ],
        },
      }),
    ).toEqual([
      'upstream_oauth2.providers.0.token_endpoint_auth_method: unknown variant: found `client_secret_basci`, expected `one of `none`, `client_secret_basic`, `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, `sign_in_with_apple``',
      'upstream_oauth2.providers.0.scope: invalid type: found sequence, expected a string',
      'upstream_oauth2.providers.0.fetch_userinfo: invalid type: found string "yes", expected a boolean',
    ]);
    expect(
      findSchemaViolations(
        {
          ...WHOLE,
          upstream_oauth2: {
            providers: [{ id: 'A', client_id: 'c', token_endpoint_auth_method: 'client_secret_basci' }],
          },
        },
        false,
      )[0]!.hint,
    ).toBe('Did you mean `client_secret_basic`?');
  });

  it('knows enum values removed in older releases', () => {
    const [v] = findSchemaViolations(
      {
        ...WHOLE,
        http: {
          public_base: 'https://x/',
          listeners: [{ resources: [{ name: 'spa' }], binds: [{ address: ':8080' }] }],
        },
      },
      false,
    );
    expect(v!.message).toContain('unknown variant: found `spa`');
    expect(v!.hint).toContain('v0.9.0');
  });

  it('checks integer ranges and never prints a credential', () => {
    expect(messages({ ...WHOLE, database: { port: 70000, password: 12345 } })).toEqual([
      'database.port: invalid value unsigned int `70000`, expected u16',
      'database.password: invalid type: found unsigned int, expected a string',
    ]);
  });

  it('treats YAML null as a value, not as "use the default"', () => {
    expect(
      messages({
        ...WHOLE,
        upstream_oauth2: {
          providers: [
            {
              id: 'A',
              client_id: null,
              token_endpoint_auth_method: 'none',
              claims_imports: null,
              issuer: null,
            },
          ],
        },
      }),
    ).toEqual([
      'upstream_oauth2.providers.0: missing field `client_id`',
      'upstream_oauth2.providers.0.claims_imports: invalid type: found unit, expected struct ClaimsImports',
    ]);
  });

  it('demands the root sections only of a whole config, and lets fragments be completed by merging', () => {
    expect(messages({ http: { public_base: 'https://x/' } })).toEqual([
      ': missing field `secrets`',
      ': missing field `matrix`',
    ]);
    expect(messages({ rate_limiting: { login: { per_ip: { burst: 1 } } } }, true)).toEqual([]);
    expect(messages({ rate_limiting: { login: { per_ip: { burst: 1 } } } }, false)).toContain(
      'rate_limiting.login.per_ip: missing field `per_second`',
    );
    // list entries are appended, never merged: required keys are checked in fragments too
    expect(messages({ upstream_oauth2: { providers: [{ id: 'A' }] } }, true)).toEqual([
      'upstream_oauth2.providers.0: missing field `client_id`',
      'upstream_oauth2.providers.0: missing field `token_endpoint_auth_method`',
    ]);
  });

  it('leaves http.public_base to mas/public-base and ESS placeholders in fragments alone', () => {
    expect(messages({ ...WHOLE, http: {} })).toEqual([]);
    expect(messages({ database: { port: '${DB_PORT}' } }, true)).toEqual([]);
  });

  it('reports a document that is not a mapping, and nothing for an empty one', () => {
    expect(messages(['a'])).toEqual([': invalid type: found sequence, expected struct RootConfig']);
    expect(messages(null)).toEqual([]);
  });
});
