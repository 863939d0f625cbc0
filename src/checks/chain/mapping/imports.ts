import type { MasProviderFacts } from '../../../snapshot/types.js';

/**
 * What MAS imports from the upstream claims, per provider (`claims_imports`), with MAS's
 * defaults filled in (crates/handlers/src/upstream_oauth2/link.rs and callback.rs):
 * subject `{{ user.sub }}` (always rendered; empty or failing = "Subject is empty" /
 * "Could not extract subject from ID token"), localpart `{{ user.preferred_username }}`,
 * displayname `{{ user.name }}`, email `{{ user.email }}`; the action defaults to `ignore`.
 */
export type ImportAction = 'ignore' | 'suggest' | 'force' | 'require';
export type ImportAttr = 'subject' | 'localpart' | 'displayname' | 'email';

export interface ImportSpec {
  attr: ImportAttr;
  /** the subject is always required */
  action: ImportAction;
  template: string;
  /** `claims_imports.<attr>.template` was written in the config (not MAS's default) */
  explicit: boolean;
  onConflict: string;
}

export const DEFAULT_TEMPLATES: Record<ImportAttr, string> = {
  subject: '{{ user.sub }}',
  localpart: '{{ user.preferred_username }}',
  displayname: '{{ user.name }}',
  email: '{{ user.email }}',
};

const ACTIONS: readonly ImportAction[] = ['ignore', 'suggest', 'force', 'require'];

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Every attribute MAS renders for this provider (ignored ones left out). */
export function importsOf(p: MasProviderFacts): ImportSpec[] {
  const ci = rec(p.claims_imports);
  const out: ImportSpec[] = [];
  for (const attr of ['subject', 'localpart', 'displayname', 'email'] as const) {
    const c = rec(ci[attr]);
    const t = typeof c.template === 'string' ? c.template : undefined;
    const a =
      typeof c.action === 'string' && (ACTIONS as string[]).includes(c.action)
        ? (c.action as ImportAction)
        : 'ignore';
    const action = attr === 'subject' ? 'require' : a;
    if (action === 'ignore') continue;
    out.push({
      attr,
      action,
      template: t ?? DEFAULT_TEMPLATES[attr],
      explicit: t !== undefined,
      onConflict: typeof c.on_conflict === 'string' ? c.on_conflict : 'fail',
    });
  }
  return out;
}

export function importOf(p: MasProviderFacts, attr: ImportAttr): ImportSpec | undefined {
  return importsOf(p).find((i) => i.attr === attr);
}

/** The YAML path of an attribute's template. */
export const templatePath = (index: number, attr: ImportAttr): string =>
  `upstream_oauth2.providers[${index}].claims_imports.${attr}.template`;

/**
 * The claims a template reads from `user`, `id_token_claims` or `userinfo_claims`
 * (`user.email`, `user["email"]`, `user.get('email')`). `opaque` is set when the template uses
 * those objects in a way that hides which claims it needs (`user | tojson`, a loop, `user[k]`).
 */
export function referencedClaims(template: string): { claims: Set<string>; opaque: boolean } {
  const claims = new Set<string>();
  const root = /\b(user|id_token_claims|userinfo_claims)\b/g;
  let opaque = false;
  for (const m of template.matchAll(root)) {
    const after = template.slice(m.index! + m[0].length);
    const dot = /^\s*\.\s*([A-Za-z_]\w*)/.exec(after);
    const sub = /^\s*\[\s*(['"])([^'"]+)\1\s*\]/.exec(after);
    const get = /^\s*\.\s*get\s*\(\s*(['"])([^'"]+)\1/.exec(after);
    if (get) claims.add(get[2]!);
    else if (dot && dot[1] !== 'get' && dot[1] !== 'items' && dot[1] !== 'keys' && dot[1] !== 'values')
      claims.add(dot[1]!);
    else if (sub) claims.add(sub[2]!);
    else opaque = true;
  }
  return { claims, opaque };
}

/** The scope that carries a claim with Authentik's default mappings; undefined for others. */
export const SCOPE_OF_CLAIM: Readonly<Record<string, string>> = {
  sub: 'openid',
  iss: 'openid',
  aud: 'openid',
  exp: 'openid',
  iat: 'openid',
  auth_time: 'openid',
  acr: 'openid',
  nonce: 'openid',
  amr: 'openid',
  sid: 'openid',
  email: 'email',
  email_verified: 'email',
  name: 'profile',
  given_name: 'profile',
  preferred_username: 'profile',
  nickname: 'profile',
  groups: 'profile',
  entitlements: 'entitlements',
  roles: 'entitlements',
};

/** Authentik's managed scope mappings and the claims each returns (blueprints/system/providers-oauth2.yaml). */
export const MANAGED_MAPPINGS: Readonly<Record<string, { scope: string; claims: readonly string[] }>> = {
  'goauthentik.io/providers/oauth2/scope-openid': { scope: 'openid', claims: [] },
  'goauthentik.io/providers/oauth2/scope-email': { scope: 'email', claims: ['email', 'email_verified'] },
  'goauthentik.io/providers/oauth2/scope-profile': {
    scope: 'profile',
    claims: ['name', 'given_name', 'preferred_username', 'nickname', 'groups'],
  },
  'goauthentik.io/providers/oauth2/scope-entitlements': {
    scope: 'entitlements',
    claims: ['entitlements', 'roles'],
  },
  'goauthentik.io/providers/oauth2/scope-offline_access': { scope: 'offline_access', claims: [] },
};

export const managedId = (scope: string): string => `goauthentik.io/providers/oauth2/scope-${scope}`;

/** The scopes MAS asks for (`scope`, space-separated; default `openid`). */
export function requestedScopes(p: MasProviderFacts): Set<string> {
  return new Set((p.scope || 'openid').split(/\s+/).filter(Boolean));
}

/** A `claims_imports` snippet for one attribute of a MAS provider. */
export function claimsImportsYaml(
  p: MasProviderFacts,
  attr: ImportAttr,
  keys: Record<string, string>,
  comment?: string,
): string {
  const lines = [
    'upstream_oauth2:',
    '  providers:',
    `    - id: ${p.id}`,
    '      claims_imports:',
    `        ${attr}:`,
  ];
  if (comment) lines.push(`          # ${comment}`);
  for (const [k, v] of Object.entries(keys)) lines.push(`          ${k}: ${v}`);
  return lines.join('\n');
}

/** `{{ expr }}` -> `{{ expr | lower }}` for a template that is one expression; else a lower-cased default. */
export function lowered(template: string): string {
  const m = /^\s*\{\{\s*([\s\S]*?)\s*\}\}\s*$/.exec(template);
  if (!m || m[1]!.includes('{{')) return '{{ user.preferred_username | lower }}';
  return /\|\s*lower\b/.test(m[1]!) ? template : `{{ ${m[1]} | lower }}`;
}
