import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { pydanticInputRepr, pyRepr, pyTypeName } from './pyrepr.js';

/**
 * Reads a homeserver.yaml the way Synapse 1.160 does, as far as the MAS integration is
 * concerned: the checks run in Synapse's own order (its config classes are read one after
 * the other and `MasConfig` comes last), and a refusal carries Synapse's wording.
 */

export interface MasSettings {
  enabled: boolean;
  /** as configured (Synapse strips a trailing `/` before appending its paths) */
  endpoint: string;
  forceHttp2: boolean;
  /** the shared secret, read from `secret` or `secret_path` */
  secret: string | null;
}

export interface HomeserverConfig {
  serverName: string;
  /** always ends with `/` */
  publicBaseurl: string;
  serveClientWellknown: boolean;
  serveServerWellknown: boolean;
  defaultIdentityServer: string | null;
  extraWellKnownClientContent: Record<string, unknown>;
  allowUnderscorePrefixedLocalpart: boolean;
  passwordLoginEnabled: boolean;
  mas: MasSettings;
  raw: Record<string, unknown>;
}

/** A refusal to start: Synapse prints `formatConfigError()` to stderr and exits 1. */
export class SynapseConfigError extends Error {
  constructor(
    message: string,
    readonly path: string[] = [],
    /** the chained causes (Python's `__cause__`), outermost first */
    readonly causes: string[] = [],
  ) {
    super(message);
    this.name = 'SynapseConfigError';
  }

  /** Synapse's `format_config_error()` text, as written to stderr. */
  format(): string {
    let out = 'Error in configuration';
    if (this.path.length) out += ` at '${this.path.join('.')}'`;
    out += `:\n  ${this.message}`;
    this.causes.forEach((cause, i) => {
      out += `:\n${'  '.repeat(i + 2)}${cause}`;
    });
    return out;
  }
}

/** A crash before any config check could speak (e.g. a missing mandatory key): a traceback. */
export class SynapseStartupCrash extends Error {
  constructor(readonly exception: string) {
    super(exception);
    this.name = 'SynapseStartupCrash';
  }
  format(): string {
    return `Traceback (most recent call last):\n  ...\n${this.exception}`;
  }
}

export type ConfigResult =
  { ok: true; config: HomeserverConfig } | { ok: false; error: SynapseConfigError | SynapseStartupCrash };

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python's `bool(x)` for YAML values. */
const truthy = (v: unknown): boolean =>
  !(
    v === undefined ||
    v === null ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isDict(v) && Object.keys(v).length === 0)
  );

/** `synapse.util.stringutils.strtobool(str(value))` */
function strtobool(value: unknown, key: string): boolean {
  const s = (value === true ? 'True' : value === false ? 'False' : String(value)).toLowerCase();
  if (['y', 'yes', 't', 'true', 'on', '1'].includes(s)) return true;
  if (['n', 'no', 'f', 'false', 'off', '0'].includes(s)) return false;
  throw new SynapseStartupCrash(`ValueError: invalid truth value ${pyRepr(s)} (${key})`);
}

export interface LoadOptions {
  /** folder relative paths (`secret_path`) resolve against; Synapse uses its working directory */
  baseDir?: string;
}

/** Parses and checks the homeserver.yaml text; never throws. */
export function loadHomeserverConfig(text: string, options: LoadOptions = {}): ConfigResult {
  try {
    return { ok: true, config: readConfig(text, options) };
  } catch (err) {
    if (err instanceof SynapseConfigError || err instanceof SynapseStartupCrash)
      return { ok: false, error: err };
    throw err;
  }
}

function readConfig(text: string, options: LoadOptions): HomeserverConfig {
  // PyYAML's safe_load speaks YAML 1.1 (`yes`/`on` are booleans)
  const doc = parseDocument(text, { version: '1.1', prettyErrors: false, uniqueKeys: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0];
    throw new SynapseStartupCrash(
      `yaml.parser.ParserError: ${yamlError.message.split('\n')[0]}` +
        (line ? ` (line ${line.line}, column ${line.col})` : ''),
    );
  }
  const parsed: unknown = doc.toJS({ maxAliasCount: -1 });
  // Synapse ignores a file that is not a mapping ("doesn't parse into a key-value map") and then
  // misses its mandatory keys
  const raw: Dict = isDict(parsed) ? parsed : {};
  const masRaw = isDict(raw.matrix_authentication_service) ? raw.matrix_authentication_service : {};
  // several sections change their defaults when auth is delegated (Python truthiness of `enabled`)
  const authDelegated = truthy(masRaw.enabled ?? false);

  // --- ServerConfig
  if (!('server_name' in raw)) throw new SynapseStartupCrash("KeyError: 'server_name'");
  const serverName = String(raw.server_name);
  let publicBaseurl: string;
  let serveClientWellknown = false;
  if (raw.public_baseurl === undefined || raw.public_baseurl === null) {
    publicBaseurl = `https://${serverName}/`;
  } else {
    if (typeof raw.public_baseurl !== 'string')
      throw new SynapseConfigError('Must be a string', ['public_baseurl']);
    serveClientWellknown = true;
    publicBaseurl = raw.public_baseurl.endsWith('/') ? raw.public_baseurl : `${raw.public_baseurl}/`;
  }
  const serveServerWellknown = truthy(raw.serve_server_wellknown ?? false);
  const extraWellKnown = isDict(raw.extra_well_known_client_content)
    ? raw.extra_well_known_client_content
    : {};

  // --- CaptchaConfig
  const captchaEnabled = truthy(raw.enable_registration_captcha ?? false);

  // --- RegistrationConfig
  let enableRegistration = strtobool(raw.enable_registration ?? false, 'enable_registration');
  if ('disable_registration' in raw)
    enableRegistration = !strtobool(raw.disable_registration, 'disable_registration');
  const enable3pidChanges = truthy(raw.enable_3pid_changes ?? !authDelegated);
  const sessionLifetime = raw.session_lifetime ?? null;
  const refreshTokenLifetime = raw.refresh_token_lifetime ?? null;
  const nonrefreshableLifetime = raw.nonrefreshable_access_token_lifetime ?? null;
  const defaultIdentityServer =
    typeof raw.default_identity_server === 'string' ? raw.default_identity_server : null;
  const allowUnderscore = truthy(raw.allow_underscore_prefixed_localpart ?? false);

  // --- SAML2Config, OIDCConfig, CasConfig, JWTConfig
  const samlEnabled = readSaml(raw);
  const oidcEnabled = readOidc(raw);
  const casEnabled = isDict(raw.cas_config) && truthy(raw.cas_config.enabled ?? false);
  const jwtEnabled = isDict(raw.jwt_config) && truthy(raw.jwt_config.enabled ?? false);

  // --- AuthConfig
  const passwordConfig = isDict(raw.password_config) ? raw.password_config : {};
  const passwordsEnabled = passwordConfig.enabled ?? !authDelegated;
  const reauthOnly = passwordsEnabled === 'only_for_reauth';
  const passwordForLogin = truthy(passwordsEnabled) && !reauthOnly;
  const passwordForReauth = reauthOnly || truthy(passwordsEnabled);
  const loginViaExisting = isDict(raw.login_via_existing_session)
    ? truthy(raw.login_via_existing_session.enabled ?? false)
    : false;

  // --- PasswordAuthProviderConfig (legacy `password_providers` list)
  const passwordProviders = Array.isArray(raw.password_providers) && raw.password_providers.length > 0;

  // --- ConsentConfig
  let consentVersion: unknown = null;
  if (isDict(raw.user_consent)) {
    if (!('version' in raw.user_consent)) throw new SynapseStartupCrash("KeyError: 'version'");
    consentVersion = raw.user_consent.version;
  }

  // --- ExperimentalConfig
  const experimental = isDict(raw.experimental_features) ? raw.experimental_features : {};
  if (truthy(experimental.msc3861 ?? {})) {
    throw new SynapseConfigError(
      'experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead.',
      ['experimental', 'msc3861'],
    );
  }

  // --- MasConfig (last: it checks for conflicts with everything above)
  const mas = readMas(raw.matrix_authentication_service, options);
  if (mas.enabled) {
    const conflict = (message: string, p: string[] = []): never => {
      throw new SynapseConfigError(message, p);
    };
    if (passwordForReauth || passwordForLogin)
      conflict('Password auth cannot be enabled when OAuth delegation is enabled', [
        'password_config',
        'enabled',
      ]);
    if (enableRegistration)
      conflict('Registration cannot be enabled when OAuth delegation is enabled', ['enable_registration']);
    if (consentVersion !== null && consentVersion !== undefined)
      conflict('User consent cannot be enabled when OAuth delegation is enabled', ['user_consent']);
    if (oidcEnabled || samlEnabled || casEnabled || jwtEnabled)
      conflict('SSO cannot be enabled when OAuth delegation is enabled');
    if (passwordProviders)
      conflict('Password auth providers cannot be enabled when OAuth delegation is enabled');
    if (captchaEnabled)
      conflict('CAPTCHA cannot be enabled when OAuth delegation is enabled', [
        'captcha',
        'enable_registration_captcha',
      ]);
    if (loginViaExisting)
      conflict('Login via existing session cannot be enabled when OAuth delegation is enabled', [
        'login_via_existing_session',
        'enabled',
      ]);
    if (truthy(refreshTokenLifetime))
      conflict('refresh_token_lifetime cannot be set when OAuth delegation is enabled', [
        'refresh_token_lifetime',
      ]);
    if (truthy(nonrefreshableLifetime))
      conflict('nonrefreshable_access_token_lifetime cannot be set when OAuth delegation is enabled', [
        'nonrefreshable_access_token_lifetime',
      ]);
    if (truthy(sessionLifetime))
      conflict('session_lifetime cannot be set when OAuth delegation is enabled', ['session_lifetime']);
    if (enable3pidChanges)
      conflict('enable_3pid_changes cannot be enabled when OAuth delegation is enabled', [
        'enable_3pid_changes',
      ]);
  }

  return {
    serverName,
    publicBaseurl,
    serveClientWellknown,
    serveServerWellknown,
    defaultIdentityServer,
    extraWellKnownClientContent: extraWellKnown,
    allowUnderscorePrefixedLocalpart: allowUnderscore,
    passwordLoginEnabled: passwordForLogin,
    mas,
    raw,
  };
}

function readSaml(raw: Dict): boolean {
  const saml = raw.saml2_config;
  if (!isDict(saml) || !truthy(saml.enabled ?? true)) return false;
  return truthy(saml.sp_config) || truthy(saml.config_path);
}

const OIDC_REQUIRED = ['issuer', 'client_id'];
const OIDC_LIST_REQUIRED = ['issuer', 'client_id', 'idp_id', 'idp_name'];

/**
 * `oidc_providers` (and the legacy single `oidc_config`) are validated with a JSON schema; the
 * error Synapse reports is jsonschema's best match: a single missing property is named at the
 * item, several problems are reported against the whole list.
 */
function readOidc(raw: Dict): boolean {
  let enabled = false;
  const providers = raw.oidc_providers;
  if (providers !== undefined && providers !== null) {
    const invalidList = () =>
      new SynapseConfigError(`${pyRepr(providers)} is not valid under any of the given schemas`, [
        'oidc_providers',
      ]);
    if (!Array.isArray(providers)) throw invalidList();
    const problems: { index: number; missing: string }[] = [];
    providers.forEach((p, index) => {
      if (!isDict(p)) {
        problems.push({ index, missing: '' }, { index, missing: '' });
        return;
      }
      for (const key of OIDC_LIST_REQUIRED) if (!(key in p)) problems.push({ index, missing: key });
    });
    if (problems.length === 1) {
      const [only] = problems;
      throw new SynapseConfigError(`'${only!.missing}' is a required property`, [
        'oidc_providers',
        `<item ${only!.index}>`,
      ]);
    }
    if (problems.length > 1) throw invalidList();
    enabled = providers.length > 0;
  }
  const legacy = raw.oidc_config;
  if (isDict(legacy) && truthy(legacy.enabled ?? false)) {
    const missing = OIDC_REQUIRED.find((k) => !(k in legacy));
    if (missing) throw new SynapseConfigError(`'${missing}' is a required property`, ['oidc_config']);
    enabled = true;
  }
  return enabled;
}

interface PydanticError {
  loc?: string;
  msg: string;
  type: string;
  input: unknown;
  url?: boolean;
}

function pydanticText(model: string, errors: PydanticError[]): string {
  const lines = [`${errors.length} validation error${errors.length === 1 ? '' : 's'} for ${model}`];
  for (const e of errors) {
    if (e.loc) lines.push(e.loc);
    lines.push(
      `  ${e.msg} [type=${e.type}, input_value=${pydanticInputRepr(e.input)}, input_type=${pyTypeName(e.input)}]`,
    );
    if (e.url !== false)
      lines.push(`    For further information visit https://errors.pydantic.dev/2.14/v/${e.type}`);
  }
  return lines.join('\n');
}

function masValidationError(errors: PydanticError[]): SynapseConfigError {
  return new SynapseConfigError(
    'Could not validate Matrix Authentication Service configuration',
    ['matrix_authentication_service'],
    [pydanticText('MasConfigModel', errors)],
  );
}

/** `MasConfigModel` (strict pydantic model; unknown keys ignored). */
function readMas(value: unknown, options: LoadOptions): MasSettings {
  const section: Dict = isDict(value) ? value : {};
  const errors: PydanticError[] = [];
  const enabled = section.enabled ?? false;
  if (typeof enabled !== 'boolean')
    errors.push({
      loc: 'enabled',
      msg: 'Input should be a valid boolean',
      type: 'bool_type',
      input: enabled,
    });
  const endpoint = section.endpoint ?? 'http://localhost:8080';
  let endpointText = 'http://localhost:8080/';
  if (typeof endpoint !== 'string') {
    errors.push({
      loc: 'endpoint',
      msg: 'URL input should be a string or URL',
      type: 'url_type',
      input: endpoint,
    });
  } else {
    const urlError = checkHttpUrl(endpoint);
    if (urlError) errors.push({ loc: 'endpoint', ...urlError, input: endpoint });
    else endpointText = new URL(endpoint).href;
  }
  const forceHttp2 = section.force_http2 ?? false;
  if (typeof forceHttp2 !== 'boolean')
    errors.push({
      loc: 'force_http2',
      msg: 'Input should be a valid boolean',
      type: 'bool_type',
      input: forceHttp2,
    });
  const secret = section.secret ?? null;
  if (secret !== null && typeof secret !== 'string')
    errors.push({ loc: 'secret', msg: 'Input should be a valid string', type: 'string_type', input: secret });
  const secretPath = section.secret_path ?? null;
  let resolvedSecretPath: string | null = null;
  if (secretPath !== null) {
    if (typeof secretPath !== 'string') {
      errors.push({
        loc: 'secret_path',
        msg: 'Input is not a valid path',
        type: 'path_type',
        input: secretPath,
      });
    } else {
      resolvedSecretPath = path.resolve(options.baseDir ?? process.cwd(), secretPath);
      if (!existsSync(resolvedSecretPath) || !statSync(resolvedSecretPath).isFile())
        errors.push({
          loc: 'secret_path',
          msg: 'Path does not point to a file',
          type: 'path_not_file',
          input: secretPath,
          url: false,
        });
    }
  }
  if (errors.length) throw masValidationError(errors);
  if (enabled === true) {
    if (!truthy(secret) && !truthy(secretPath))
      throw masValidationError([
        {
          msg: 'Value error, You must set a `secret` or `secret_path` when enabling the Matrix Authentication Service integration.',
          type: 'value_error',
          input: section,
        },
      ]);
    if (truthy(secret) && truthy(secretPath))
      throw masValidationError([
        {
          msg: 'Value error, `secret` and `secret_path` cannot be set at the same time.',
          type: 'value_error',
          input: section,
        },
      ]);
  }
  let secretValue: string | null = typeof secret === 'string' ? secret : null;
  if (secretValue === null && resolvedSecretPath)
    secretValue = readFileSync(resolvedSecretPath, 'utf8').trim();
  return {
    enabled: enabled === true,
    endpoint: endpointText,
    forceHttp2: forceHttp2 === true,
    secret: secretValue,
  };
}

/** pydantic's `AnyHttpUrl` checks, with its messages. */
function checkHttpUrl(value: string): { msg: string; type: string } | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1];
  if (!scheme)
    return { msg: 'Input should be a valid URL, relative URL without a base', type: 'url_parsing' };
  if (!['http', 'https'].includes(scheme.toLowerCase()))
    return { msg: "URL scheme should be 'http' or 'https'", type: 'url_scheme' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { msg: 'Input should be a valid URL, empty host', type: 'url_parsing' };
  }
  if (!url.hostname) return { msg: 'Input should be a valid URL, empty host', type: 'url_parsing' };
  return null;
}
