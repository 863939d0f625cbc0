import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RequestContext } from '../http/server.js';
import type { Ak } from './context.js';
import { modelRef } from './events.js';
import { evaluate, resolveClaimsTemplate, UnsupportedExpression } from './expression.js';
import type { ProviderRec, Store, UserRec } from './model.js';
import { exprUser } from './policy.js';

/**
 * What Authentik puts in tokens: the issuer (built from the request's scheme and Host), the
 * subject per `sub_mode`, claims from the provider's scope mappings only, and the signature:
 * the provider's key (RS256/ES256/384/512) or, without a signing key, HS256 with the client
 * secret.
 */

export function issuer(store: Store, provider: ProviderRec, origin: string): string | null {
  const app = store.applicationForProvider(provider.pk);
  if (!app) return null;
  if (provider.issuer_mode === 'global') return `${origin}/`;
  return `${origin}/application/o/${app.slug}/`;
}

export function subject(store: Store, provider: ProviderRec, user: UserRec): string {
  switch (provider.sub_mode) {
    case 'user_id':
      return String(user.pk);
    case 'user_uuid':
      return user.uuid;
    case 'user_username':
      return user.username;
    case 'user_email':
      return user.email;
    case 'user_upn':
      return typeof user.attributes.upn === 'string' ? user.attributes.upn : store.uid(user);
    default:
      return store.uid(user);
  }
}

/** Scope names the provider has mappings for (`scopes_supported`, and what a client may get). */
export function providerScopes(store: Store, provider: ProviderRec): string[] {
  return provider.property_mappings.flatMap((pk) => {
    const m = store.data.mappings[pk];
    return m ? [m.scope_name] : [];
  });
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (Array.isArray(cur) && Array.isArray(v)) into[k] = [...cur, ...v];
    else if (
      cur &&
      v &&
      typeof cur === 'object' &&
      typeof v === 'object' &&
      !Array.isArray(cur) &&
      !Array.isArray(v)
    )
      merge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else into[k] = v;
  }
}

/**
 * Claims of the provider's mappings whose scope was granted, merged in `scope_name` order
 * (Authentik's `UserInfoView.get_claims`). A mapping that fails records a
 * `property_mapping_exception` event and contributes nothing.
 */
export function scopeClaims(
  ak: Ak,
  provider: ProviderRec,
  user: UserRec,
  scopes: string[],
  ctx?: RequestContext,
): Record<string, unknown> {
  const { store } = ak;
  const mappings = provider.property_mappings
    .map((pk) => store.data.mappings[pk])
    .filter((m) => m !== undefined && scopes.includes(m.scope_name))
    .sort((a, b) => a!.scope_name.localeCompare(b!.scope_name));
  const out: Record<string, unknown> = {};
  const u = exprUser(store, user);
  for (const m of mappings) {
    if (!m) continue;
    try {
      const value = m.claims ? resolveClaimsTemplate(m.claims, u) : evaluate(m.expression, u).value;
      if (value && typeof value === 'object' && !Array.isArray(value))
        merge(out, value as Record<string, unknown>);
    } catch (err) {
      const limit = err instanceof UnsupportedExpression;
      ak.events.record(
        'property_mapping_exception',
        {
          message: limit
            ? `emulator cannot evaluate this expression (give the mapping 'claims:' in the scenario): ${(err as Error).message}`
            : String((err as Error).message),
          mapping: modelRef('authentik_providers_oauth2', 'scopemapping', m.pk, m.name),
        },
        { user, ctx },
      );
    }
  }
  return out;
}

export interface SigningKey {
  alg: string;
  key: KeyObject | Uint8Array;
  kid?: string;
}

/** Authentik's `OAuth2Provider.jwt_key`. */
export function jwtKey(store: Store, provider: ProviderRec): SigningKey {
  const material = provider.signing_key ? store.keys.get(provider.signing_key) : undefined;
  if (!material) return { alg: 'HS256', key: new TextEncoder().encode(provider.client_secret) };
  return { alg: material.alg, key: material.privateKey, kid: material.kid };
}

export async function encode(
  store: Store,
  provider: ProviderRec,
  payload: Record<string, unknown>,
): Promise<string> {
  const { alg, key, kid } = jwtKey(store, provider);
  const header: { alg: string; typ: string; kid?: string } = { alg, typ: 'JWT' };
  if (kid) header.kid = kid;
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

const UNITS: Record<string, number> = {
  weeks: 604800,
  days: 86400,
  hours: 3600,
  minutes: 60,
  seconds: 1,
  microseconds: 1e-6,
  milliseconds: 1e-3,
};

/** Authentik's `timedelta_from_string` ("hours=1;minutes=2"), in seconds. */
export function seconds(spec: string): number {
  let total = 0;
  for (const part of spec.split(/[;,]/)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k && v !== undefined && k in UNITS) total += Number(v) * UNITS[k]!;
  }
  return total;
}

/** The id_token payload (`IDToken.new().to_dict()`): standard claims, then mapped claims. */
export function idToken(
  ak: Ak,
  provider: ProviderRec,
  user: UserRec,
  opts: {
    scopes: string[];
    nonce: string | null;
    authTime: string;
    origin: string;
    expires: number;
    /** authentication methods of the login (`pwd` after a password stage) */
    amr?: string[];
  },
  ctx?: RequestContext,
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const token: Record<string, unknown> = {
    iss: issuer(ak.store, provider, opts.origin),
    sub: subject(ak.store, provider, user),
    aud: provider.client_id,
    exp: opts.expires,
    iat: now,
    auth_time: Math.floor(Date.parse(opts.authTime) / 1000),
    acr: 'goauthentik.io/providers/oauth2/default',
  };
  if (opts.amr?.length) token.amr = opts.amr;
  if (opts.nonce) token.nonce = opts.nonce;
  if (token.iss === null) delete token.iss;
  if (provider.include_claims_in_id_token)
    Object.assign(token, scopeClaims(ak, provider, user, opts.scopes, ctx));
  return token;
}
