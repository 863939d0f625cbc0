import { createHash, createPrivateKey } from 'node:crypto';
import { compactVerify, importJWK, SignJWT, type JWK } from 'jose';
import type { ProviderConfig, SigningKeyConfig } from '../config/types.js';
import { debugStr, MasError } from '../errors.js';
import {
  endPosition,
  parseJson,
  request,
  statusError,
  type HttpOptions,
  type HttpResponse,
} from '../http-client.js';
import { randomAlnum } from '../util.js';

/**
 * MAS's OpenID Connect client side (`crates/oidc-client`, `crates/jose`): discovery with
 * strict or insecure metadata checks, the token request, JWKS parsing and id_token
 * verification (asymmetric keys only), and userinfo. Errors carry MAS's wording and chains.
 */

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  code_challenge_methods_supported?: string[];
  [key: string]: unknown;
}

const DISCOVERY_FAILED = 'Fetching provider metadata failed';

const URL_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
  'account_management_uri',
];

/** `validate_url`: https, and no query / fragment where forbidden (oidc.rs L1115-1139) */
function validateUrl(field: string, raw: string, noQuery: boolean, noFragment: boolean): void {
  const url = new URL(raw);
  if (url.protocol !== 'https:') throw new MasError(`${field}'s URL doesn't use a https scheme: ${url.href}`);
  if (noQuery && url.search) throw new MasError(`${field}'s URL contains a query: ${url.href}`);
  if (noFragment && url.hash) throw new MasError(`${field}'s URL contains a fragment: ${url.href}`);
}

function checkMetadata(raw: Record<string, unknown>, issuer: string, verify: boolean): ProviderMetadata {
  // insecure_verify_metadata: only presence of the required fields
  const missing: [string, string][] = [
    ['issuer', 'issuer is missing'],
    ['authorization_endpoint', 'authorization endpoint is missing'],
    ['token_endpoint', 'token endpoint is missing'],
    ['jwks_uri', 'JWK Set URI is missing'],
    ['response_types_supported', 'supported response types are missing'],
    ['subject_types_supported', 'supported subject types are missing'],
    ['id_token_signing_alg_values_supported', 'supported ID token signing algorithm values are missing'],
  ];
  for (const [field, message] of missing)
    if (raw[field] === undefined || raw[field] === null) throw new MasError(message);
  const metadata = raw as ProviderMetadata;
  if (!verify) return metadata;
  if (metadata.issuer !== issuer)
    throw new MasError(
      `issuer URLs don't match: expected ${debugStr(issuer)}, got ${debugStr(metadata.issuer)}`,
    );
  try {
    new URL(metadata.issuer);
  } catch {
    throw new MasError('issuer is not a valid URL');
  }
  validateUrl('issuer', metadata.issuer, true, true);
  validateUrl('authorization_endpoint', metadata.authorization_endpoint, false, true);
  validateUrl('token_endpoint', metadata.token_endpoint, false, true);
  validateUrl('jwks_uri', metadata.jwks_uri, false, false);
  if (typeof raw.registration_endpoint === 'string')
    validateUrl('registration_endpoint', raw.registration_endpoint, false, false);
  if (Array.isArray(raw.scopes_supported) && !raw.scopes_supported.includes('openid'))
    throw new MasError('missing openid scope');
  const noNone = (endpoint: string, values: unknown) => {
    if (Array.isArray(values) && values.includes('none'))
      throw new MasError(`${endpoint} signing algorithm values contain \`none\``);
  };
  noNone('token_endpoint', raw.token_endpoint_auth_signing_alg_values_supported);
  if (typeof raw.revocation_endpoint === 'string')
    validateUrl('revocation_endpoint', raw.revocation_endpoint, false, true);
  noNone('revocation_endpoint', raw.revocation_endpoint_auth_signing_alg_values_supported);
  if (typeof raw.introspection_endpoint === 'string')
    validateUrl('introspection_endpoint', raw.introspection_endpoint, false, false);
  noNone('introspection_endpoint', raw.introspection_endpoint_auth_signing_alg_values_supported);
  for (const field of ['userinfo_endpoint', 'pushed_authorization_request_endpoint', 'end_session_endpoint'])
    if (typeof raw[field] === 'string') validateUrl(field, raw[field], false, false);
  return metadata;
}

/** the discovery document URL: `<issuer>` + `/` if missing + `.well-known/openid-configuration` */
export function discoveryUrl(issuer: string): string {
  const url = new URL(issuer);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return new URL('.well-known/openid-configuration', url).href;
}

async function discover(issuer: string, verify: boolean, http: HttpOptions): Promise<ProviderMetadata> {
  let target: string;
  try {
    target = discoveryUrl(issuer);
  } catch {
    throw new MasError(DISCOVERY_FAILED, new MasError('relative URL without a base'));
  }
  let res: HttpResponse;
  try {
    res = await request(target, http);
  } catch (err) {
    throw new MasError(DISCOVERY_FAILED, err as MasError);
  }
  const status = statusError(res);
  if (status) throw new MasError(DISCOVERY_FAILED, status);
  let raw: unknown;
  try {
    raw = parseJson(res);
  } catch (err) {
    throw new MasError(DISCOVERY_FAILED, err as MasError);
  }
  const text = res.body.toString('utf8');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new MasError(
      DISCOVERY_FAILED,
      new MasError(
        'error decoding response body',
        new MasError(`invalid type: expected struct ProviderMetadata at ${endPosition(text)}`),
      ),
    );
  const dict = raw as Record<string, unknown>;
  for (const field of URL_FIELDS) {
    const v = dict[field];
    if (v === undefined || v === null) continue;
    let ok = typeof v === 'string';
    if (ok) {
      try {
        new URL(v as string);
      } catch {
        ok = false;
      }
    }
    if (!ok)
      throw new MasError(
        DISCOVERY_FAILED,
        new MasError(
          'error decoding response body',
          new MasError(`relative URL without a base at ${endPosition(text)}`),
        ),
      );
  }
  try {
    return checkMetadata(dict, issuer, verify);
  } catch (err) {
    throw new MasError(DISCOVERY_FAILED, err as MasError);
  }
}

/** MAS's metadata cache: successful documents are kept (per mode), failures are never cached. */
export class MetadataCache {
  private readonly strict = new Map<string, ProviderMetadata>();
  private readonly insecure = new Map<string, ProviderMetadata>();

  constructor(private readonly http: () => HttpOptions) {}

  async get(issuer: string, verify: boolean): Promise<ProviderMetadata> {
    const cache = verify ? this.strict : this.insecure;
    const hit = cache.get(issuer);
    if (hit) return hit;
    const metadata = await discover(issuer, verify, this.http());
    cache.set(issuer, metadata);
    return metadata;
  }

  clear(): void {
    this.strict.clear();
    this.insecure.clear();
  }
}

/** `LazyProviderInfos`: endpoint overrides first, discovery (per `discovery_mode`) otherwise */
export class ProviderInfos {
  private loaded: ProviderMetadata | undefined;

  constructor(
    private readonly cache: MetadataCache,
    private readonly provider: ProviderConfig,
  ) {}

  async maybeDiscover(): Promise<ProviderMetadata | undefined> {
    if (this.provider.discoveryMode === 'disabled') return undefined;
    return this.load();
  }

  private async load(): Promise<ProviderMetadata> {
    if (this.loaded) return this.loaded;
    if (this.provider.discoveryMode === 'disabled')
      throw new MasError(DISCOVERY_FAILED, new MasError('Discovery is disabled for this provider'));
    if (!this.provider.issuer) throw new MasError("Provider doesn't have an issuer set");
    this.loaded = await this.cache.get(this.provider.issuer, this.provider.discoveryMode === 'oidc');
    return this.loaded;
  }

  async authorizationEndpoint(): Promise<string> {
    return this.provider.authorizationEndpoint ?? (await this.load()).authorization_endpoint;
  }

  async tokenEndpoint(): Promise<string> {
    return this.provider.tokenEndpoint ?? (await this.load()).token_endpoint;
  }

  async jwksUri(): Promise<string> {
    return this.provider.jwksUri ?? (await this.load()).jwks_uri;
  }

  async userinfoEndpoint(): Promise<string> {
    if (this.provider.userinfoEndpoint) return this.provider.userinfoEndpoint;
    const endpoint = (await this.load()).userinfo_endpoint;
    if (!endpoint) throw new MasError("Provider doesn't have a userinfo endpoint");
    return endpoint;
  }

  /** PKCE methods: `auto` uses discovery (none when discovery is disabled) */
  async pkceMethods(): Promise<string[] | undefined> {
    switch (this.provider.pkceMethod) {
      case 'always':
        return ['S256'];
      case 'never':
        return undefined;
      default:
        return (await this.maybeDiscover())?.code_challenge_methods_supported;
    }
  }
}

// --- token request ------------------------------------------------------------------------

export interface TokenResponse {
  access_token: string;
  token_type: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

export async function requestAccessToken(
  provider: ProviderConfig,
  tokenEndpoint: string,
  params: Record<string, string>,
  http: HttpOptions,
  signingKeys: SigningKeyConfig[],
): Promise<TokenResponse> {
  const fail = (err: MasError) => new MasError('Request to the token endpoint failed', err);
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const secret = provider.clientSecret ?? '';
  switch (provider.tokenEndpointAuthMethod) {
    case 'none':
      form.set('client_id', provider.clientId);
      break;
    case 'client_secret_basic':
      headers.authorization = `Basic ${Buffer.from(`${formEncode(provider.clientId)}:${formEncode(secret)}`).toString('base64')}`;
      break;
    case 'client_secret_post':
      form.set('client_id', provider.clientId);
      form.set('client_secret', secret);
      break;
    case 'client_secret_jwt':
    case 'private_key_jwt': {
      const alg = provider.tokenEndpointAuthSigningAlg ?? 'HS256';
      const claims = new SignJWT({ jti: randomAlnum(32) })
        .setProtectedHeader({ alg })
        .setIssuer(provider.clientId)
        .setSubject(provider.clientId)
        .setAudience(tokenEndpoint)
        .setIssuedAt()
        .setExpirationTime('5m');
      let assertion: string;
      try {
        if (provider.tokenEndpointAuthMethod === 'client_secret_jwt')
          assertion = await claims.sign(new TextEncoder().encode(secret));
        else {
          const key = signingKeys[0];
          if (!key) throw new MasError('no private key was found for the given algorithm');
          assertion = await claims.sign(createPrivateKey({ key: key.pem, passphrase: key.password }));
        }
      } catch (err) {
        throw fail(err instanceof MasError ? err : new MasError(`invalid algorithm: ${alg}`));
      }
      form.set('client_id', provider.clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', assertion);
      break;
    }
    case 'sign_in_with_apple':
      throw fail(new MasError('unsupported authentication method'));
  }
  let res: HttpResponse;
  try {
    res = await request(tokenEndpoint, { ...http, method: 'POST', headers, body: form.toString() });
  } catch (err) {
    throw fail(err as MasError);
  }
  const status = statusError(res);
  if (status) {
    let described: string | undefined;
    try {
      const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
      if (typeof body.error === 'string') {
        described = debugStr(body.error);
        if (typeof body.error_uri === 'string') described += ` (See ${body.error_uri})`;
        if (typeof body.error_description === 'string') described += `: ${body.error_description}`;
      }
    } catch {
      described = undefined;
    }
    throw fail(
      new MasError(
        described
          ? `Request to the provider failed with the following error: ${described}`
          : 'Request to the provider failed',
        status,
      ),
    );
  }
  let body: unknown;
  try {
    body = parseJson(res);
  } catch (err) {
    throw fail(err as MasError);
  }
  const text = res.body.toString('utf8');
  const obj = (body ?? {}) as Record<string, unknown>;
  for (const field of ['access_token', 'token_type'])
    if (typeof obj[field] !== 'string')
      throw fail(
        new MasError(
          'error decoding response body',
          new MasError(`missing field \`${field}\` at ${endPosition(text)}`),
        ),
      );
  return obj as unknown as TokenResponse;
}

// --- JWKS and id_token verification ---------------------------------------------------------

export type PublicJwk = JWK & { kty: string };

export async function fetchJwks(uri: string, http: HttpOptions): Promise<PublicJwk[]> {
  const fail = (err: MasError) => new MasError('Failed to fetch JWKS', err);
  let res: HttpResponse;
  try {
    res = await request(uri, http);
  } catch (err) {
    throw fail(err as MasError);
  }
  const status = statusError(res);
  if (status) throw fail(status);
  let body: unknown;
  try {
    body = parseJson(res);
  } catch (err) {
    throw fail(err as MasError);
  }
  const text = res.body.toString('utf8');
  const decodeError = (message: string) =>
    fail(new MasError('error decoding response body', new MasError(`${message} at ${endPosition(text)}`)));
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw decodeError('invalid type: expected struct JsonWebKeySet');
  const keys = (body as { keys?: unknown }).keys;
  if (keys === undefined) throw decodeError('missing field `keys`');
  if (!Array.isArray(keys)) throw decodeError('invalid type: expected a sequence');
  const required: Record<string, string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };
  for (const key of keys) {
    if (key === null || typeof key !== 'object')
      throw decodeError('invalid type: expected struct JsonWebKey');
    const kty = (key as { kty?: unknown }).kty;
    if (kty === undefined) throw decodeError('missing field `kty`');
    if (typeof kty !== 'string' || !required[kty])
      throw decodeError(`unknown variant \`${String(kty)}\`, expected one of \`RSA\`, \`EC\`, \`OKP\``);
    for (const f of required[kty]!)
      if ((key as Record<string, unknown>)[f] === undefined) throw decodeError(`missing field \`${f}\``);
  }
  return keys as PublicJwk[];
}

/** the algorithms a key may verify, from its type and curve (`possible_algs`) */
function possibleAlgs(jwk: PublicJwk): string[] {
  switch (jwk.kty) {
    case 'RSA':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'EC':
      return (
        (
          { 'P-256': ['ES256'], 'P-384': ['ES384'], 'P-521': ['ES512'], secp256k1: ['ES256K'] } as Record<
            string,
            string[]
          >
        )[jwk.crv ?? ''] ?? []
      );
    case 'OKP':
      return ['EdDSA'];
    default:
      return [];
  }
}

const claimError = (claim: string, source?: string) =>
  source
    ? new MasError(`could not validate claim ${debugStr(claim)}`, new MasError(source))
    : new MasError(`invalid claim ${debugStr(claim)}`);
const missingClaim = (claim: string) => new MasError(`missing claim ${debugStr(claim)}`);

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  if (segment === undefined) throw new MasError('invalid JWT');
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new MasError('failed to deserialize JWT header/payload');
  }
}

export interface VerifiedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/**
 * `verify_signed_jwt`: signature against the JWKS (asymmetric keys only; HS* never verifies),
 * then `iss` (when the provider has an issuer), `aud`, and finally the expected `alg`.
 */
export async function verifySignedJwt(
  jwt: string,
  data: { issuer?: string; jwks: PublicJwk[]; clientId: string; alg: string },
): Promise<VerifiedJwt> {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new MasError('invalid JWT');
  const header = decodeSegment(parts[0]);
  const claims = decodeSegment(parts[1]);
  const alg = String(header.alg ?? '');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const candidates = data.jwks.filter((k) => {
    if (k.alg !== undefined) {
      if (k.alg !== alg) return false;
    } else if (!possibleAlgs(k).includes(alg)) return false;
    if (kid !== undefined && k.kid !== undefined && k.kid !== kid) return false;
    return true;
  });
  let verified = false;
  for (const jwk of candidates) {
    try {
      const key = await importJWK({ ...jwk, alg }, alg);
      await compactVerify(jwt, key, { algorithms: [alg] });
      verified = true;
      break;
    } catch {
      continue;
    }
  }
  if (!verified) throw new MasError('none of the keys worked');
  if (data.issuer !== undefined) {
    if (claims.iss === undefined) throw missingClaim('iss');
    if (typeof claims.iss !== 'string') throw claimError('iss');
    if (claims.iss !== data.issuer) throw claimError('iss', "Values don't match");
  }
  const aud = claims.aud;
  if (aud === undefined) throw missingClaim('aud');
  const auds =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud) && aud.every((a) => typeof a === 'string')
        ? aud
        : undefined;
  if (!auds) throw claimError('aud');
  if (!auds.includes(data.clientId)) throw claimError('aud', "OneOrMany doesn't contain value");
  if (alg !== data.alg) throw new MasError('wrong signature alg');
  return { header, claims };
}

const LEEWAY_S = 5 * 60;

/** `verify_id_token`: the signed-JWT checks plus `exp`, `iat` and `sub` */
export async function verifyIdToken(
  jwt: string,
  data: { issuer?: string; jwks: PublicJwk[]; clientId: string; alg: string },
  now = Date.now(),
): Promise<VerifiedJwt> {
  const verified = await verifySignedJwt(jwt, data);
  const { claims } = verified;
  const nowS = now / 1000;
  if (claims.exp === undefined) throw missingClaim('exp');
  if (typeof claims.exp !== 'number') throw claimError('exp');
  if (!(nowS <= claims.exp + LEEWAY_S)) throw claimError('exp', 'Current time is too far away');
  if (claims.iat === undefined) throw missingClaim('iat');
  if (typeof claims.iat !== 'number') throw claimError('iat');
  if (!(nowS >= claims.iat - LEEWAY_S)) throw claimError('iat', 'Current time is too far away');
  if (claims.sub === undefined) throw missingClaim('sub');
  if (typeof claims.sub !== 'string') throw claimError('sub');
  return verified;
}

/** `TokenHash`: left half of the hash of the value, with the hash of the signing algorithm */
export function tokenHash(alg: string, value: string): string | undefined {
  const hash = /256/.test(alg)
    ? 'sha256'
    : /384/.test(alg)
      ? 'sha384'
      : /512|EdDSA/.test(alg)
        ? 'sha512'
        : undefined;
  if (!hash) return undefined;
  const digest = createHash(hash).update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export function checkTokenHash(
  claims: Record<string, unknown>,
  claim: 'at_hash' | 'c_hash',
  alg: string,
  value: string,
): void {
  const got = claims[claim];
  if (got === undefined) return;
  if (typeof got !== 'string') throw claimError(claim);
  const expected = tokenHash(alg, value);
  if (expected === undefined) throw claimError(claim, 'Unsupported algorithm for hashing');
  if (got !== expected) throw claimError(claim, "Hashes don't match");
}

export function checkNonce(claims: Record<string, unknown>, nonce: string): void {
  if (claims.nonce === undefined) throw missingClaim('nonce');
  if (typeof claims.nonce !== 'string') throw claimError('nonce');
  if (claims.nonce !== nonce) throw claimError('nonce', "Values don't match");
}

/** `fetch_userinfo`: plain JSON (or a signed JWT when `userinfo_signed_response_alg` is set) */
export async function fetchUserinfo(
  endpoint: string,
  accessToken: string,
  http: HttpOptions,
  jwt?: { issuer?: string; jwks: () => Promise<PublicJwk[]>; clientId: string; alg: string },
): Promise<Record<string, unknown>> {
  const expected = jwt ? 'application/jwt' : 'application/json';
  let res: HttpResponse;
  try {
    res = await request(endpoint, {
      ...http,
      headers: { authorization: `Bearer ${accessToken}`, accept: expected },
    });
  } catch (err) {
    throw err as MasError;
  }
  const status = statusError(res);
  if (status) throw new MasError('Request to the provider failed', status);
  const contentType = res.headers['content-type'];
  if (!contentType) throw new MasError('missing response content-type');
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (essence !== expected)
    throw new MasError(
      `unexpected response content-type ${debugStr(contentType)}, expected ${debugStr(expected)}`,
    );
  if (jwt) {
    const verified = await verifySignedJwt(res.body.toString('utf8').trim(), {
      ...jwt,
      jwks: await jwt.jwks(),
    }).catch((err: MasError) => {
      throw new MasError("Verifying the 'id_token' returned by the provider failed", err);
    });
    return verified.claims;
  }
  const body = parseJson(res);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new MasError('error decoding response body', new MasError('invalid type: expected a map'));
  return body as Record<string, unknown>;
}
