import type { AkScopeMapping, AkUser, ChainSnapshot } from '../../../snapshot/types.js';
import { authentikOf, discoveryOf, versionAtLeast, type ProviderPair } from '../authentik/facts.js';
import { faithfullyRenderable, renderTemplate, templateContext, type Rendered } from './engine.js';
import { MANAGED_MAPPINGS, referencedClaims, requestedScopes } from './imports.js';

/**
 * The claims MAS would receive for one Authentik user through one provider pair:
 *
 * - Authentik issues only the scopes MAS requests *and* the provider has a mapping for;
 * - scope claims go into the id_token only with `include_claims_in_id_token` (default on),
 *   and into userinfo always; MAS reads userinfo only with `fetch_userinfo`;
 * - `preview_user` shows the id_token Authentik would issue with all of the provider's scopes,
 *   so claims of default mappings for scopes MAS does not request are taken out again;
 * - without a preview, the claims of Authentik's default (managed) mappings are derived from
 *   the user object; claims of custom mappings cannot be, and are marked unknown.
 */
export interface UserClaims {
  user: AkUser;
  origin: 'preview' | 'derived';
  idToken: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
  /** claims that may or may not be there (custom mappings, groups, upn) */
  uncertain: Set<string>;
  /** other, unnamed claims may be there too (a custom mapping ssochain cannot evaluate) */
  opaque: boolean;
  /** scopes Authentik grants MAS */
  granted: Set<string>;
}

function providerMappings(snap: ChainSnapshot, pair: ProviderPair): AkScopeMapping[] {
  const ak = authentikOf(snap);
  if (!ak) return [];
  return pair.ak.property_mappings.flatMap((pk) => ak.scopeMappings.find((m) => m.pk === pk) ?? []);
}

function subFor(mode: string | undefined, u: AkUser): string | undefined {
  switch (mode ?? 'hashed_user_id') {
    case 'hashed_user_id':
      return u.uid;
    case 'user_id':
      return String(u.pk);
    case 'user_uuid':
      return u.uuid;
    case 'user_username':
      return u.username;
    case 'user_email':
      return u.email ?? '';
    default:
      return undefined;
  }
}

export function claimsFor(snap: ChainSnapshot, pair: ProviderPair, user: AkUser): UserClaims | undefined {
  const ak = authentikOf(snap);
  if (!ak || ak.gaps?.some((g) => g.part === 'scopeMappings')) return undefined;
  const mappings = providerMappings(snap, pair);
  const providerScopes = new Set(mappings.map((m) => m.scope_name));
  const requested = requestedScopes(pair.mas);
  const granted = new Set([...requested].filter((s) => providerScopes.has(s)));
  const include = pair.ak.include_claims_in_id_token !== false;
  const fetch = pair.mas.fetch_userinfo;
  const uncertain = new Set<string>();
  let opaque = false;

  /** the scope claims of the granted scopes, as far as they can be known */
  const derivedScopeClaims: Record<string, unknown> = {};
  const notGranted = new Set<string>();
  for (const m of mappings) {
    const managed = m.managed ? MANAGED_MAPPINGS[m.managed] : undefined;
    if (!granted.has(m.scope_name)) {
      for (const c of managed?.claims ?? []) notGranted.add(c);
      continue;
    }
    if (!managed) {
      opaque = true;
      continue;
    }
    if (managed.scope === 'email') {
      derivedScopeClaims.email = user.email ?? '';
      derivedScopeClaims.email_verified = !versionAtLeast(ak.version, 2025, 10);
    } else if (managed.scope === 'profile') {
      derivedScopeClaims.name = user.name;
      derivedScopeClaims.given_name = user.name;
      derivedScopeClaims.preferred_username = user.username;
      derivedScopeClaims.nickname = user.username;
      uncertain.add('groups');
    } else for (const c of managed.claims) uncertain.add(c);
  }
  // a claim that a granted scope also returns stays
  for (const c of Object.keys(derivedScopeClaims)) notGranted.delete(c);

  const preview = ak.claimsPreview.find((c) => c.provider === pair.ak.pk && c.username === user.username);
  if (preview) {
    const idToken = Object.fromEntries(Object.entries(preview.claims).filter(([k]) => !notGranted.has(k)));
    let userinfo: Record<string, unknown> | undefined;
    if (fetch) {
      if (include) userinfo = idToken;
      else {
        userinfo = { sub: idToken.sub, ...derivedScopeClaims };
        if (opaque) uncertain.add('*');
      }
    }
    // the preview is Authentik's own answer: only what a custom mapping might add is uncertain
    return {
      user,
      origin: 'preview',
      idToken,
      ...(userinfo ? { userinfo } : {}),
      uncertain: !include && fetch ? uncertain : new Set(),
      opaque: !include && fetch && opaque,
      granted,
    };
  }
  const sub = subFor(pair.ak.sub_mode, user);
  if (sub === undefined) uncertain.add('sub');
  const issuer = discoveryOf(snap, pair.mas.id)?.document.issuer;
  const base: Record<string, unknown> = {
    ...(sub !== undefined ? { sub } : {}),
    ...(typeof issuer === 'string' ? { iss: issuer } : {}),
    aud: pair.ak.client_id,
  };
  const idToken = include ? { ...base, ...derivedScopeClaims } : base;
  const userinfo = fetch ? { ...(sub !== undefined ? { sub } : {}), ...derivedScopeClaims } : undefined;
  return {
    user,
    origin: 'derived',
    idToken,
    ...(userinfo ? { userinfo } : {}),
    uncertain,
    opaque: opaque && (include || fetch),
    granted,
  };
}

/**
 * Renders a template over a user's claims, or undefined when the outcome cannot be known
 * (it reads a claim that may or may not be there, or uses tlvdecode).
 */
export function renderFor(template: string, claims: UserClaims): Rendered | undefined {
  if (!faithfullyRenderable(template)) return undefined;
  const ref = referencedClaims(template);
  const user = { ...(claims.userinfo ?? {}), ...claims.idToken };
  if (claims.opaque || claims.uncertain.has('*')) {
    if (ref.opaque || [...ref.claims].some((c) => !(c in user))) return undefined;
  }
  if (ref.opaque && claims.uncertain.size) return undefined;
  if ([...ref.claims].some((c) => claims.uncertain.has(c) && !(c in user))) return undefined;
  return renderTemplate(template, templateContext(claims.idToken, claims.userinfo));
}

/** People, not machines: the users whose Matrix accounts matter. */
export function isPerson(u: AkUser): boolean {
  return u.type === undefined || u.type === 'internal' || u.type === 'external';
}
