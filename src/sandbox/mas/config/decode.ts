import { parseUlid } from '../util.js';
import {
  anyValue,
  bool,
  custom,
  enumOf,
  FigmentError,
  invalidType,
  missingField,
  Obj,
  seq,
  str,
  uint,
  url,
  type Raw,
} from './figment.js';
import {
  CLIENT_AUTH_METHODS,
  DISCOVERY_MODES,
  HOMESERVER_KINDS,
  IMPORT_ACTIONS,
  ON_BACKCHANNEL_LOGOUT,
  ON_CONFLICT,
  PKCE_METHODS,
  RESOURCE_NAMES,
  RESPONSE_MODES,
  TOKEN_AUTH_METHODS,
  type ClaimsImports,
  type ClientConfig,
  type MasConfig,
  type PolicyData,
  type ProviderConfig,
  type ResourceName,
} from './types.js';

/** Reads a `*_file` path; throws a MasError-like message when the file is missing. */
export type ReadConfigFile = (path: string) => string;

/**
 * serde visits the keys of a map in the map's order, and figment's maps are sorted: the first
 * error MAS reports is the first one in alphabetical key order, then missing fields in the
 * struct's declaration order.
 */
function visit(o: Obj, fields: Record<string, (v: Raw, path: string[]) => unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o.value).sort()) {
    const decode = fields[key];
    if (!decode) continue; // unknown keys are silently ignored, as MAS does
    const v = o.value[key];
    out[key] = decode(v, o.at(key));
  }
  return out;
}

function requireFields(o: Obj, out: Record<string, unknown>, required: string[]): void {
  for (const key of required) if (!(key in out)) throw missingField(key, o.path);
}

const opt =
  <T>(decode: (v: Raw, path: string[]) => T) =>
  (v: Raw, path: string[]): T | undefined =>
    v === null || v === undefined ? undefined : decode(v, path);

const ulid = (v: Raw, path: string[]): string => {
  if (typeof v !== 'string') throw invalidType(v, 'a string', path);
  const parsed = parseUlid(v);
  if (!parsed.ok) throw custom(parsed.error, path);
  return parsed.value;
};

/** `mas_iana::jose::JsonWebSignatureAlg`: known values or any other string */
const jwsAlg = str;

function structOf(name: string) {
  return (v: Raw, path: string[]): Obj => Obj.of(v, path, `struct ${name}`);
}

// --- http -------------------------------------------------------------------------------

const DEFAULT_PUBLIC_BASE = 'http://[::]:8080/';
const DEFAULT_RESOURCES: ResourceName[] = [
  'discovery',
  'human',
  'oauth',
  'compat',
  'graphql',
  'assets',
  'health',
];

function decodeResource(v: Raw, path: string[]): ResourceName {
  const o = Obj.of(v, path, 'internally tagged enum Resource');
  if (o.value.name === undefined) throw missingField('name', path);
  return enumOf(RESOURCE_NAMES)(o.value.name, [...path, 'name']);
}

function decodeListener(v: Raw, path: string[]): { resources: ResourceName[]; binds: unknown[]; tls?: Obj } {
  const o = structOf('ListenerConfig')(v, path);
  const out = visit(o, {
    name: opt(str),
    resources: seq(decodeResource),
    prefix: opt(str),
    binds: seq((b, p) => structOf('BindConfig')(b, p).value),
    proxy_protocol: bool,
    tls: opt(structOf('TlsConfig')),
  });
  requireFields(o, out, ['resources', 'binds']);
  return {
    resources: out.resources as ResourceName[],
    binds: out.binds as unknown[],
    tls: out.tls as Obj | undefined,
  };
}

function decodeHttp(
  v: Raw,
  path: string[],
): MasConfig['http'] & { listeners: ReturnType<typeof decodeListener>[] } {
  const o = structOf('HttpConfig')(v, path);
  const out = visit(o, {
    listeners: seq(decodeListener),
    trusted_proxies: seq(str),
    public_base: url,
    issuer: opt(url),
  });
  requireFields(o, out, ['public_base']);
  const listeners = (out.listeners as ReturnType<typeof decodeListener>[] | undefined) ?? [];
  const publicBase = out.public_base as string;
  return {
    publicBase,
    issuer: (out.issuer as string | undefined) ?? publicBase,
    defaultListeners: false,
    resources: new Set(listeners.flatMap((l) => l.resources)),
    listeners,
  };
}

// --- secrets, matrix, passwords ------------------------------------------------------------

function decodeSecrets(v: Raw, path: string[], readFile: ReadConfigFile): MasConfig['secrets'] {
  const o = structOf('SecretsConfig')(v, path);
  const out = visit(o, {
    encryption: opt(str),
    encryption_file: opt(str),
    keys: opt(
      seq((k, p) => {
        const ko = structOf('KeyConfig')(k, p);
        const kout = visit(ko, {
          kid: opt(str),
          password: opt(str),
          password_file: opt(str),
          key: opt(str),
          key_file: opt(str),
        });
        if (kout.password !== undefined && kout.password_file !== undefined)
          throw custom('Cannot specify both `password` and `password_file`', p);
        if (kout.key === undefined && kout.key_file === undefined)
          throw custom('Missing `key` or `key_file`', p);
        if (kout.key !== undefined && kout.key_file !== undefined)
          throw custom('Cannot specify both `key` and `key_file`', p);
        return {
          kid: kout.kid as string | undefined,
          pem: (kout.key as string | undefined) ?? readFile(kout.key_file as string),
          password:
            (kout.password as string | undefined) ??
            (kout.password_file !== undefined ? readFile(kout.password_file as string) : undefined),
        };
      }),
    ),
    keys_dir: opt(str),
  });
  const hasEnc = out.encryption !== undefined;
  const hasEncFile = out.encryption_file !== undefined;
  if (!hasEnc && !hasEncFile) throw custom('Missing `encryption` or `encryption_file`', path);
  if (hasEnc && hasEncFile) throw custom('Cannot specify both `encryption` and `encryption_file`', path);
  if (hasEnc) {
    const enc = out.encryption as string;
    if (enc.length !== 64) throw custom('Invalid string length', [...path, 'encryption']);
    if (!/^[0-9a-fA-F]*$/.test(enc))
      throw custom(`Invalid character '${[...enc].find((c) => !/[0-9a-fA-F]/.test(c))}'`, [
        ...path,
        'encryption',
      ]);
  }
  return { keys: (out.keys as MasConfig['secrets']['keys'] | undefined) ?? [] };
}

function decodeMatrix(v: Raw, path: string[], readFile: ReadConfigFile): MasConfig['matrix'] {
  const o = structOf('MatrixConfig')(v, path);
  const out = visit(o, {
    kind: enumOf(HOMESERVER_KINDS),
    homeserver: str,
    secret: opt(str),
    secret_file: opt(str),
    endpoint: url,
  });
  if (out.secret === undefined && out.secret_file === undefined)
    throw custom('Missing `secret` or `secret_file`', path);
  if (out.secret !== undefined && out.secret_file !== undefined)
    throw custom('Cannot specify both `secret` and `secret_file`', path);
  return {
    kind: (out.kind as MasConfig['matrix']['kind'] | undefined) ?? 'synapse',
    homeserver: (out.homeserver as string | undefined) ?? 'localhost:8008',
    endpoint: (out.endpoint as string | undefined) ?? 'http://localhost:8008/',
    // secrets read from a file are trimmed, to match Synapse (matrix.rs)
    secret: (out.secret as string | undefined) ?? readFile(out.secret_file as string).trim(),
  };
}

function decodePasswords(v: Raw, path: string[]): MasConfig['passwords'] & { schemes: Obj[] } {
  const o = structOf('PasswordsConfig')(v, path);
  const out = visit(o, {
    enabled: bool,
    schemes: seq(structOf('HashingScheme')),
    minimum_complexity: uint('u8', 255),
  });
  return {
    enabled: (out.enabled as boolean | undefined) ?? true,
    minimumComplexity: (out.minimum_complexity as number | undefined) ?? 3,
    schemes: (out.schemes as Obj[] | undefined) ?? [
      new Obj({ version: 1, algorithm: 'argon2id' }, [...path, 'schemes', '0']),
    ],
  };
}

const ACCOUNT_FIELDS = {
  email_change_allowed: ['emailChangeAllowed', true],
  displayname_change_allowed: ['displaynameChangeAllowed', true],
  password_registration_enabled: ['passwordRegistrationEnabled', false],
  password_registration_email_required: ['passwordRegistrationEmailRequired', true],
  password_change_allowed: ['passwordChangeAllowed', true],
  password_recovery_enabled: ['passwordRecoveryEnabled', false],
  account_deactivation_allowed: ['accountDeactivationAllowed', true],
  login_with_email_allowed: ['loginWithEmailAllowed', false],
  password_registration_token_required: ['passwordRegistrationTokenRequired', false],
  registration_token_required: ['registrationTokenRequired', false],
} as const;

function decodeAccount(v: Raw | undefined, path: string[]): MasConfig['account'] {
  const values: Record<string, boolean> = {};
  const out =
    v === undefined
      ? {}
      : visit(
          structOf('AccountConfig')(v, path),
          Object.fromEntries(Object.keys(ACCOUNT_FIELDS).map((k) => [k, bool])),
        );
  for (const [key, [name, fallback]] of Object.entries(ACCOUNT_FIELDS))
    values[name] = (out[key] as boolean | undefined) ?? fallback;
  return values as unknown as MasConfig['account'];
}

// --- clients and upstream providers ---------------------------------------------------------

function decodeClient(
  v: Raw,
  path: string[],
  readFile: ReadConfigFile,
): ClientConfig & { jwks?: unknown; jwksUri?: string } {
  const o = structOf('ClientConfig')(v, path);
  const out = visit(o, {
    client_id: ulid,
    client_auth_method: enumOf(CLIENT_AUTH_METHODS),
    client_name: opt(str),
    client_uri: opt(url),
    client_secret: opt(str),
    client_secret_file: opt(str),
    jwks: opt(anyValue),
    jwks_uri: opt(url),
    redirect_uris: seq(url),
  });
  requireFields(o, out, ['client_id', 'client_auth_method']);
  if (out.client_secret !== undefined && out.client_secret_file !== undefined)
    throw custom('Cannot specify both `client_secret` and `client_secret_file`', path);
  return {
    clientId: out.client_id as string,
    clientAuthMethod: out.client_auth_method as ClientConfig['clientAuthMethod'],
    clientName: out.client_name as string | undefined,
    clientUri: out.client_uri as string | undefined,
    clientSecret:
      (out.client_secret as string | undefined) ??
      (out.client_secret_file !== undefined ? readFile(out.client_secret_file as string).trim() : undefined),
    redirectUris: (out.redirect_uris as string[] | undefined) ?? [],
    jwks: out.jwks,
    jwksUri: out.jwks_uri as string | undefined,
  };
}

function importPref<T extends object>(
  name: string,
  extra: Record<string, (v: Raw, path: string[]) => unknown> = {},
) {
  return (v: Raw, path: string[]) => {
    const o = structOf(name)(v, path);
    return visit(o, { action: enumOf(IMPORT_ACTIONS), template: opt(str), ...extra }) as T;
  };
}

function decodeClaimsImports(v: Raw, path: string[]): ClaimsImports {
  const o = structOf('ClaimsImports')(v, path);
  type Pref = { action?: ClaimsImports['email']['action']; template?: string; on_conflict?: string };
  const out = visit(o, {
    subject: (s, p) => visit(structOf('SubjectImportPreference')(s, p), { template: opt(str) }),
    skip_confirmation: bool,
    localpart: importPref<Pref>('LocalpartImportPreference', { on_conflict: enumOf(ON_CONFLICT) }),
    displayname: importPref<Pref>('DisplaynameImportPreference'),
    email: importPref<Pref>('EmailImportPreference'),
    account_name: (s, p) => visit(structOf('AccountNameImportPreference')(s, p), { template: opt(str) }),
  });
  const lp = (out.localpart as Pref | undefined) ?? {};
  const dn = (out.displayname as Pref | undefined) ?? {};
  const em = (out.email as Pref | undefined) ?? {};
  return {
    subject: { template: (out.subject as { template?: string } | undefined)?.template },
    skipConfirmation: (out.skip_confirmation as boolean | undefined) ?? false,
    localpart: {
      action: lp.action ?? 'ignore',
      template: lp.template,
      onConflict: (lp.on_conflict as ClaimsImports['localpart']['onConflict'] | undefined) ?? 'fail',
    },
    displayname: { action: dn.action ?? 'ignore', template: dn.template },
    email: { action: em.action ?? 'ignore', template: em.template },
    accountName: { template: (out.account_name as { template?: string } | undefined)?.template },
  };
}

const DEFAULT_CLAIMS_IMPORTS: ClaimsImports = {
  subject: {},
  skipConfirmation: false,
  localpart: { action: 'ignore', onConflict: 'fail' },
  displayname: { action: 'ignore' },
  email: { action: 'ignore' },
  accountName: {},
};

function decodeProvider(
  v: Raw,
  path: string[],
  index: number,
  readFile: ReadConfigFile,
): ProviderConfig & { signInWithApple?: unknown } {
  const o = structOf('Provider')(v, path);
  const out = visit(o, {
    enabled: bool,
    id: ulid,
    synapse_idp_id: opt(str),
    issuer: opt(str),
    human_name: opt(str),
    brand_name: opt(str),
    client_id: str,
    client_secret: opt(str),
    client_secret_file: opt(str),
    token_endpoint_auth_method: enumOf(TOKEN_AUTH_METHODS),
    sign_in_with_apple: opt(structOf('SignInWithApple')),
    token_endpoint_auth_signing_alg: opt(jwsAlg),
    id_token_signed_response_alg: jwsAlg,
    scope: str,
    discovery_mode: enumOf(DISCOVERY_MODES),
    pkce_method: enumOf(PKCE_METHODS),
    fetch_userinfo: bool,
    userinfo_signed_response_alg: opt(jwsAlg),
    authorization_endpoint: opt(url),
    token_endpoint: opt(url),
    userinfo_endpoint: opt(url),
    jwks_uri: opt(url),
    response_mode: opt(enumOf(RESPONSE_MODES)),
    claims_imports: decodeClaimsImports,
    additional_authorization_parameters: (m, p) => {
      const mo = Obj.of(m, p, 'a map');
      return Object.keys(mo.value)
        .sort()
        .map((k) => [k, str(mo.value[k], [...p, k])] as [string, string]);
    },
    forward_login_hint: bool,
    on_backchannel_logout: enumOf(ON_BACKCHANNEL_LOGOUT),
    registration_token_required: bool,
  });
  requireFields(o, out, ['id', 'client_id', 'token_endpoint_auth_method']);
  if (out.client_secret !== undefined && out.client_secret_file !== undefined)
    throw custom('Cannot specify both `client_secret` and `client_secret_file`', path);
  const additional = (out.additional_authorization_parameters as [string, string][] | undefined) ?? [];
  const forwardLoginHint = (out.forward_login_hint as boolean | undefined) ?? false;
  // `forward_login_hint` is sugar for a `login_hint` template (upstream_oauth2.rs)
  if (forwardLoginHint && !additional.some(([k]) => k === 'login_hint'))
    additional.push(['login_hint', '{{ params.login_hint }}']);
  return {
    index,
    enabled: (out.enabled as boolean | undefined) ?? true,
    id: out.id as string,
    synapseIdpId: out.synapse_idp_id as string | undefined,
    issuer: out.issuer as string | undefined,
    humanName: out.human_name as string | undefined,
    brandName: out.brand_name as string | undefined,
    clientId: out.client_id as string,
    clientSecret:
      (out.client_secret as string | undefined) ??
      (out.client_secret_file !== undefined ? readFile(out.client_secret_file as string).trim() : undefined),
    tokenEndpointAuthMethod: out.token_endpoint_auth_method as ProviderConfig['tokenEndpointAuthMethod'],
    signInWithApple: out.sign_in_with_apple,
    tokenEndpointAuthSigningAlg: out.token_endpoint_auth_signing_alg as string | undefined,
    idTokenSignedResponseAlg: (out.id_token_signed_response_alg as string | undefined) ?? 'RS256',
    scope: (out.scope as string | undefined) ?? 'openid',
    discoveryMode: (out.discovery_mode as ProviderConfig['discoveryMode'] | undefined) ?? 'oidc',
    pkceMethod: (out.pkce_method as ProviderConfig['pkceMethod'] | undefined) ?? 'auto',
    fetchUserinfo: (out.fetch_userinfo as boolean | undefined) ?? false,
    userinfoSignedResponseAlg: out.userinfo_signed_response_alg as string | undefined,
    authorizationEndpoint: out.authorization_endpoint as string | undefined,
    tokenEndpoint: out.token_endpoint as string | undefined,
    userinfoEndpoint: out.userinfo_endpoint as string | undefined,
    jwksUri: out.jwks_uri as string | undefined,
    responseMode: out.response_mode as ProviderConfig['responseMode'],
    claimsImports: (out.claims_imports as ClaimsImports | undefined) ?? DEFAULT_CLAIMS_IMPORTS,
    additionalAuthorizationParameters: additional,
    forwardLoginHint,
    onBackchannelLogout:
      (out.on_backchannel_logout as ProviderConfig['onBackchannelLogout'] | undefined) ?? 'do_nothing',
    registrationTokenRequired: (out.registration_token_required as boolean | undefined) ?? false,
  };
}

// --- validation (the `validate()` of each section, MAS's own sentences) -------------------

function validateHttp(http: ReturnType<typeof decodeHttp>): void {
  http.listeners.forEach((listener, index) => {
    const path = ['http', 'listeners', String(index)];
    if (listener.resources.length === 0) throw custom('listener has no resources', path);
    if (listener.binds.length === 0) throw custom('listener does not bind to any address', path);
    const tls = listener.tls?.value;
    if (tls) {
      const both = (a: string, b: string) => tls[a] !== undefined && tls[b] !== undefined;
      const none = (a: string, b: string) => tls[a] === undefined && tls[b] === undefined;
      if (both('certificate', 'certificate_file'))
        throw custom('Only one of `certificate` or `certificate_file` can be set at a time', path);
      if (none('certificate', 'certificate_file'))
        throw custom('TLS configuration is missing a certificate', path);
      if (both('key', 'key_file')) throw custom('Only one of `key` or `key_file` can be set at a time', path);
      if (none('key', 'key_file')) throw custom('TLS configuration is missing a private key', path);
      if (both('password', 'password_file'))
        throw custom('Only one of `password` or `password_file` can be set at a time', path);
    }
  });
}

function validatePasswords(passwords: ReturnType<typeof decodePasswords>): void {
  if (!passwords.enabled) return;
  if (passwords.schemes.length === 0)
    throw custom('Requires at least one password scheme in the config', ['passwords']);
  for (const scheme of passwords.schemes)
    if (scheme.value.secret !== undefined && scheme.value.secret_file !== undefined)
      throw custom('Cannot specify both `secret` and `secret_file`', ['passwords']);
}

function validateClient(client: ReturnType<typeof decodeClient>, index: number): void {
  const at = (field?: string) => ['clients', String(index), ...(field ? [field] : [])];
  const method = client.clientAuthMethod;
  switch (method) {
    case 'private_key_jwt':
      if (client.jwks === undefined && client.jwksUri === undefined)
        throw custom('jwks or jwks_uri is required for private_key_jwt', at('client_auth_method'));
      if (client.jwks !== undefined && client.jwksUri !== undefined)
        throw custom('jwks and jwks_uri are mutually exclusive', at('jwks'));
      if (client.clientSecret !== undefined)
        throw custom('client_secret is not allowed with private_key_jwt', at('client_secret'));
      break;
    case 'client_secret_post':
    case 'client_secret_basic':
    case 'client_secret_jwt':
      if (client.clientSecret === undefined)
        throw custom(`client_secret is required for ${method}`, at('client_auth_method'));
      if (client.jwks !== undefined) throw custom(`jwks is not allowed with ${method}`, at('jwks'));
      if (client.jwksUri !== undefined)
        throw custom(`jwks_uri is not allowed with ${method}`, at('jwks_uri'));
      break;
    case 'none':
      if (client.clientSecret !== undefined)
        throw custom('client_secret is not allowed with none authentication method', at('client_secret'));
      if (client.jwks !== undefined)
        throw custom('jwks is not allowed with none authentication method', at());
      if (client.jwksUri !== undefined)
        throw custom('jwks_uri is not allowed with none authentication method', at());
      break;
  }
}

/** `UpstreamOAuth2Config::validate` (upstream_oauth2.rs L37-156), first error wins */
function validateProvider(p: ReturnType<typeof decodeProvider>): void {
  const path = ['upstream_oauth2', 'providers', String(p.index)];
  const fail = (message: string, sub?: string) => {
    const err = custom(message, path);
    throw sub ? err.withPath(sub) : err;
  };
  if (p.discoveryMode !== 'disabled' && p.issuer === undefined)
    fail('The `issuer` field is required when discovery is enabled');
  const method = p.tokenEndpointAuthMethod;
  if (['none', 'private_key_jwt', 'sign_in_with_apple'].includes(method)) {
    if (p.clientSecret !== undefined)
      fail('Unexpected field `client_secret` for the selected authentication method');
  } else if (p.clientSecret === undefined) throw missingField('client_secret', path);
  if (['none', 'client_secret_basic', 'client_secret_post', 'sign_in_with_apple'].includes(method)) {
    if (p.tokenEndpointAuthSigningAlg !== undefined)
      fail('Unexpected field `token_endpoint_auth_signing_alg` for the selected authentication method');
  } else if (p.tokenEndpointAuthSigningAlg === undefined)
    throw missingField('token_endpoint_auth_signing_alg', path);
  if (method === 'sign_in_with_apple') {
    if (p.signInWithApple === undefined) throw missingField('sign_in_with_apple', path);
  } else if (p.signInWithApple !== undefined)
    fail('Unexpected field `sign_in_with_apple` for the selected authentication method');
  const ci = p.claimsImports;
  if (ci.skipConfirmation) {
    if (ci.localpart.action !== 'require')
      fail(
        'The field `action` must be `require` when `skip_confirmation` is set to `true`',
        'claims_imports.localpart',
      );
    if (ci.email.action === 'suggest')
      fail(
        'The field `action` must not be `suggest` when `skip_confirmation` is set to `true`',
        'claims_imports.email',
      );
    if (ci.displayname.action === 'suggest')
      fail(
        'The field `action` must not be `suggest` when `skip_confirmation` is set to `true`',
        'claims_imports.displayname',
      );
  }
  if (
    ['add', 'replace', 'set'].includes(ci.localpart.onConflict) &&
    !['force', 'require'].includes(ci.localpart.action)
  )
    fail(
      'The field `action` must be either `force` or `require` when `on_conflict` is set to `add`, `replace` or `set`',
      'claims_imports.localpart',
    );
}

/**
 * Decodes and validates a configuration the way `mas-cli server` does at start-up:
 * the application sections first (`AppConfig::extract`), then `clients` and `upstream_oauth2`
 * for the configuration sync. The first error stops everything.
 */
export function decodeConfig(rootValue: Raw, readFile: ReadConfigFile): MasConfig {
  if (rootValue === null || rootValue === undefined) throw missingField('secrets', []);
  const root = Obj.of(rootValue, [], 'struct AppConfig');

  // 1. AppConfig: serde visits keys in figment's (sorted) order, then reports missing fields
  let http: ReturnType<typeof decodeHttp> | undefined;
  let passwords: ReturnType<typeof decodePasswords> | undefined;
  let matrix: MasConfig['matrix'] | undefined;
  let secrets: MasConfig['secrets'] | undefined;
  let account: MasConfig['account'] | undefined;
  let policyData: PolicyData = {};
  let tosUri: string | undefined;
  let captchaEnabled = false;
  let accessTokenTtl = 300;
  for (const key of Object.keys(root.value).sort()) {
    const v = root.value[key];
    const path = [key];
    switch (key) {
      case 'account':
        account = decodeAccount(v, path);
        break;
      case 'branding': {
        const b = visit(structOf('BrandingConfig')(v, path), {
          service_name: opt(str),
          policy_uri: opt(url),
          tos_uri: opt(url),
          imprint: opt(str),
          logo_uri: opt(url),
        });
        tosUri = b.tos_uri as string | undefined;
        break;
      }
      case 'captcha': {
        const c = visit(structOf('CaptchaConfig')(v, path), {
          service: opt(enumOf(['recaptcha_v2', 'cloudflare_turnstile', 'hcaptcha'] as const)),
          site_key: opt(str),
          secret_key: opt(str),
        });
        captchaEnabled = c.service !== undefined;
        break;
      }
      case 'database':
        structOf('DatabaseConfig')(v, path);
        break;
      case 'email':
        structOf('EmailConfig')(v, path);
        break;
      case 'experimental': {
        const e = visit(structOf('ExperimentalConfig')(v, path), { access_token_ttl: uint('u64') });
        accessTokenTtl = (e.access_token_ttl as number | undefined) ?? 300;
        break;
      }
      case 'http':
        http = decodeHttp(v, path);
        break;
      case 'matrix':
        matrix = decodeMatrix(v, path, readFile);
        break;
      case 'oauth':
        structOf('OAuthConfig')(v, path);
        break;
      case 'passwords':
        passwords = decodePasswords(v, path);
        break;
      case 'policy': {
        const p = visit(structOf('PolicyConfig')(v, path), {
          wasm_module: opt(str),
          data: (d, dp) => (d === null ? {} : Obj.of(d, dp, 'a map').value),
        });
        policyData = (p.data as PolicyData | undefined) ?? {};
        break;
      }
      case 'rate_limiting':
        structOf('RateLimitingConfig')(v, path);
        break;
      case 'secrets':
        secrets = decodeSecrets(v, path, readFile);
        break;
      case 'telemetry':
        structOf('TelemetryConfig')(v, path);
        break;
      case 'templates':
        structOf('TemplatesConfig')(v, path);
        break;
      default:
        break; // `clients` and `upstream_oauth2` are extracted later; anything else is ignored
    }
  }
  if (!secrets) throw missingField('secrets', []);
  if (!matrix) throw missingField('matrix', []);
  const httpConfig =
    http ??
    ({
      publicBase: DEFAULT_PUBLIC_BASE,
      issuer: DEFAULT_PUBLIC_BASE,
      defaultListeners: true,
      resources: new Set(DEFAULT_RESOURCES),
      listeners: [],
    } satisfies ReturnType<typeof decodeHttp>);
  passwords ??= decodePasswords({}, ['passwords']);

  // AppConfig::validate: http, database, templates, email, passwords, secrets, matrix, ...
  validateHttp(httpConfig);
  validatePasswords(passwords);

  // 2. ClientsConfig::extract_or_default, then validate
  const clientsRaw = root.value.clients;
  const clients =
    clientsRaw === undefined ? [] : seq((c, p) => decodeClient(c, p, readFile))(clientsRaw, ['clients']);
  clients.forEach((c, i) => validateClient(c, i));

  // 3. UpstreamOAuth2Config::extract_or_default, then validate
  let providers: ReturnType<typeof decodeProvider>[] = [];
  const upstreamRaw = root.value.upstream_oauth2;
  if (upstreamRaw !== undefined) {
    const uo = structOf('UpstreamOAuth2Config')(upstreamRaw, ['upstream_oauth2']);
    if (uo.value.providers === undefined) throw missingField('providers', ['upstream_oauth2']);
    providers = seq((p, path) => decodeProvider(p, path, Number(path[path.length - 1]), readFile))(
      uo.value.providers,
      ['upstream_oauth2', 'providers'],
    );
    providers.forEach(validateProvider);
  }

  return {
    http: {
      publicBase: httpConfig.publicBase,
      issuer: httpConfig.issuer,
      defaultListeners: httpConfig.defaultListeners,
      resources: httpConfig.resources,
    },
    matrix,
    passwords: { enabled: passwords.enabled, minimumComplexity: passwords.minimumComplexity },
    account: account ?? decodeAccount(undefined, ['account']),
    branding: { tosUri },
    captchaEnabled,
    policy: { data: policyData },
    secrets,
    clients: clients.map(({ jwks: _j, jwksUri: _u, ...c }) => c),
    providers: providers.map(({ signInWithApple: _s, ...p }) => p),
    accessTokenTtl,
  };
}

export { FigmentError };
