import { describe, expect, it } from 'vitest';

/**
 * Synapse 1.160 refuses to start on these configs. Each case is applied over a healthy config
 * with `matrix_authentication_service` enabled (top-level keys replaced, `remove` deleted); the
 * check returns what Synapse printed on stderr. For a config error that is Synapse's
 * `format_config_error` text, compared whole; for a crash, the traceback's last line.
 */
export interface StartupCase {
  name: string;
  overrides: Record<string, unknown>;
  remove?: string[];
  expected: string;
}

export type StartupCheck = (overrides: Record<string, unknown>, remove: string[]) => Promise<string>;

/** The part of stderr the contract compares. */
export function startupErrorOf(stderr: string): string {
  const at = stderr.indexOf('Error in configuration');
  if (at >= 0) return stderr.slice(at).trimEnd();
  const lines = stderr.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

const MAS = (extra: Record<string, unknown>) => ({
  matrix_authentication_service: { enabled: true, endpoint: 'http://127.0.0.1:9/', ...extra },
});

const PYDANTIC = 'https://errors.pydantic.dev/2.14/v';

export const STARTUP_CASES: StartupCase[] = [
  {
    name: 'experimental_features.msc3861 (removed in 1.157)',
    overrides: {
      experimental_features: { msc3861: { enabled: true, issuer: 'https://mas.example/', client_id: 'x' } },
    },
    expected:
      "Error in configuration at 'experimental.msc3861':\n" +
      '  experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead.',
  },
  {
    name: 'oidc_providers together with MAS',
    overrides: {
      oidc_providers: [
        {
          idp_id: 'authentik',
          idp_name: 'Authentik',
          issuer: 'https://auth.example/application/o/matrix/',
          client_id: 'matrix',
          client_secret: 'x',
          scopes: ['openid', 'profile'],
        },
      ],
    },
    expected: 'Error in configuration:\n  SSO cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'legacy oidc_config together with MAS',
    overrides: {
      oidc_config: {
        enabled: true,
        issuer: 'https://auth.example/',
        client_id: 'matrix',
        client_secret: 'x',
      },
    },
    expected: 'Error in configuration:\n  SSO cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'cas_config together with MAS',
    overrides: { cas_config: { enabled: true, server_url: 'https://cas.example/' } },
    expected: 'Error in configuration:\n  SSO cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'jwt_config together with MAS',
    overrides: { jwt_config: { enabled: true, secret: 'x', algorithm: 'HS256' } },
    expected: 'Error in configuration:\n  SSO cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'an oidc_providers entry without idp_name',
    overrides: {
      oidc_providers: [{ idp_id: 'authentik', issuer: 'https://auth.example/', client_id: 'matrix' }],
    },
    expected: "Error in configuration at 'oidc_providers.<item 0>':\n  'idp_name' is a required property",
  },
  {
    name: 'an oidc_providers entry missing several keys',
    overrides: { oidc_providers: [{ client_secret: 'x' }] },
    expected:
      "Error in configuration at 'oidc_providers':\n  [{'client_secret': 'x'}] is not valid under any of the given schemas",
  },
  {
    name: 'password_config.enabled',
    overrides: { password_config: { enabled: true } },
    expected:
      "Error in configuration at 'password_config.enabled':\n" +
      '  Password auth cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'enable_registration',
    overrides: { enable_registration: true },
    expected:
      "Error in configuration at 'enable_registration':\n  Registration cannot be enabled when OAuth delegation is enabled",
  },
  {
    name: 'user_consent',
    overrides: { user_consent: { version: '1.0', template_dir: '/tmp' } },
    expected:
      "Error in configuration at 'user_consent':\n  User consent cannot be enabled when OAuth delegation is enabled",
  },
  {
    name: 'login_via_existing_session',
    overrides: { login_via_existing_session: { enabled: true } },
    expected:
      "Error in configuration at 'login_via_existing_session.enabled':\n" +
      '  Login via existing session cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'session_lifetime',
    overrides: { session_lifetime: '24h' },
    expected:
      "Error in configuration at 'session_lifetime':\n  session_lifetime cannot be set when OAuth delegation is enabled",
  },
  {
    name: 'enable_3pid_changes',
    overrides: { enable_3pid_changes: true },
    expected:
      "Error in configuration at 'enable_3pid_changes':\n" +
      '  enable_3pid_changes cannot be enabled when OAuth delegation is enabled',
  },
  {
    name: 'MAS enabled without a secret',
    overrides: MAS({}),
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      '  Value error, You must set a `secret` or `secret_path` when enabling the Matrix Authentication Service integration.' +
      " [type=value_error, input_value={'enabled': True, 'endpoi...: 'http://127.0.0.1:9/'}, input_type=dict]\n" +
      `    For further information visit ${PYDANTIC}/value_error`,
  },
  {
    name: 'MAS with both secret and secret_path',
    overrides: MAS({ secret: 'a', secret_path: '/etc/hostname' }),
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      '  Value error, `secret` and `secret_path` cannot be set at the same time.' +
      " [type=value_error, input_value={'enabled': True, 'endpoi..._path': '/etc/hostname'}, input_type=dict]\n" +
      `    For further information visit ${PYDANTIC}/value_error`,
  },
  {
    name: 'MAS secret_path that does not exist',
    overrides: MAS({ secret_path: '/nonexistent/mas-secret' }),
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      'secret_path\n' +
      "  Path does not point to a file [type=path_not_file, input_value='/nonexistent/mas-secret', input_type=str]",
  },
  {
    name: 'MAS enabled given as a string',
    overrides: {
      matrix_authentication_service: { enabled: 'yes', endpoint: 'http://127.0.0.1:9/', secret: 'a' },
    },
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      'enabled\n' +
      "  Input should be a valid boolean [type=bool_type, input_value='yes', input_type=str]\n" +
      `    For further information visit ${PYDANTIC}/bool_type`,
  },
  {
    name: 'MAS endpoint that is not a URL',
    overrides: MAS({ endpoint: 'mas.internal:8080', secret: 'a' }),
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      'endpoint\n' +
      "  URL scheme should be 'http' or 'https' [type=url_scheme, input_value='mas.internal:8080', input_type=str]\n" +
      `    For further information visit ${PYDANTIC}/url_scheme`,
  },
  {
    name: 'MAS endpoint without a scheme',
    overrides: MAS({ endpoint: 'not a url', secret: 'a' }),
    expected:
      "Error in configuration at 'matrix_authentication_service':\n" +
      '  Could not validate Matrix Authentication Service configuration:\n' +
      '    1 validation error for MasConfigModel\n' +
      'endpoint\n' +
      "  Input should be a valid URL, relative URL without a base [type=url_parsing, input_value='not a url', input_type=str]\n" +
      `    For further information visit ${PYDANTIC}/url_parsing`,
  },
  {
    name: 'msc3861 is reported before MAS conflicts',
    overrides: { experimental_features: { msc3861: { enabled: true } }, enable_registration: true },
    expected:
      "Error in configuration at 'experimental.msc3861':\n" +
      '  experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead.',
  },
];

export function defineSynapseStartupContract(check: () => StartupCheck): void {
  describe('refuses to start like Synapse 1.160', () => {
    for (const c of STARTUP_CASES) {
      it(c.name, async () => {
        const stderr = await check()(c.overrides, c.remove ?? []);
        expect(startupErrorOf(stderr)).toBe(c.expected);
      });
    }
  });
}

/**
 * Synapse starts without MAS (it fetches MAS's metadata on first use), and then fails the
 * requests that need MAS. `getBaseUrl` is a Synapse whose MAS endpoint has nothing listening.
 */
export function defineMasUnreachableContract(getBaseUrl: () => string): void {
  describe('with MAS unreachable', () => {
    const INTERNAL = { errcode: 'M_UNKNOWN', error: 'Internal server error' };
    it('still serves /versions', async () => {
      expect((await fetch(`${getBaseUrl()}/_matrix/client/versions`)).status).toBe(200);
    });
    it('500 for the well-known and the auth metadata (which keeps its Cache-Control)', async () => {
      const wk = await fetch(`${getBaseUrl()}/.well-known/matrix/client`);
      expect(wk.status).toBe(500);
      expect(await wk.json()).toEqual(INTERNAL);
      expect(wk.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
      for (const p of [
        '/_matrix/client/v1/auth_metadata',
        '/_matrix/client/unstable/org.matrix.msc2965/auth_issuer',
      ]) {
        const r = await fetch(`${getBaseUrl()}${p}`);
        expect(r.status, p).toBe(500);
        expect(await r.json(), p).toEqual(INTERNAL);
        expect(r.headers.get('cache-control'), p).toBe(
          'public, max-age=600, s-maxage=3600, stale-while-revalidate=600',
        );
      }
    });
    it('503 for a token it cannot introspect', async () => {
      const r = await fetch(`${getBaseUrl()}/_matrix/client/v3/account/whoami`, {
        headers: { authorization: 'Bearer mat_anything' },
      });
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({
        errcode: 'M_UNKNOWN',
        error: 'Unable to introspect the access token',
      });
    });
    it('the shared-secret API does not need MAS', async () => {
      const r = await fetch(`${getBaseUrl()}/_synapse/mas/is_localpart_available?localpart=free`, {
        headers: { authorization: 'Bearer contract' },
      });
      expect(r.status).toBe(200);
    });
  });
}
