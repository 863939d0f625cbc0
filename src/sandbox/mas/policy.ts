import type { PolicyData, StringConstraints } from './config/types.js';

/**
 * MAS's default OPA policies (`policies/*.rego` @682b8d26), re-stated in TypeScript for the
 * parts the sandbox exercises: registration (username + email), authorization grants (scopes)
 * and dynamic client registration. Violations keep MAS's messages and codes.
 */
export interface Violation {
  msg: string;
  code?: string;
  field?: string;
  redirect_uri?: string;
}

export interface EvaluationResult {
  violations: Violation[];
}

/** `EvaluationResult`'s Display: the messages joined with ", " */
export function formatResult(res: EvaluationResult): string {
  return res.violations.map((v) => v.msg).join(', ');
}

function matches(str: string, c: StringConstraints | undefined): boolean {
  if (!c) return false;
  return (
    (c.regexes ?? []).some((p) => new RegExp(p).test(str)) ||
    (c.substrings ?? []).some((p) => str.includes(p)) ||
    (c.literals ?? []).some((p) => str === p) ||
    (c.suffixes ?? []).some((p) => str.endsWith(p)) ||
    (c.prefixes ?? []).some((p) => str.startsWith(p))
  );
}

/** OPA returns a set: sorted, here by code then message, which is how objects compare. */
function sorted(violations: Violation[]): EvaluationResult {
  const key = (v: Violation) => JSON.stringify([v.code ?? '', v.field ?? '', v.msg]);
  return { violations: [...violations].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) };
}

function globDomain(pattern: string, domain: string): boolean {
  // glob.match(pattern, ["."], domain): `*` matches within one label, `**` across labels
  const re = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^.]*'),
    )
    .join('.*');
  return new RegExp(`^${re}$`).test(domain);
}

export function emailViolations(email: string, data: PolicyData): Violation[] {
  const out: Violation[] = [];
  const domain = email.split('@')[1];
  if (
    data.allowed_domains &&
    !(domain !== undefined && data.allowed_domains.some((d) => globDomain(d, domain)))
  )
    out.push({ code: 'email-domain-not-allowed', msg: 'email domain is not allowed' });
  if (domain !== undefined && (data.banned_domains ?? []).some((d) => globDomain(d, domain)))
    out.push({ code: 'email-domain-banned', msg: 'email domain is banned' });
  if (data.emails?.allowed_addresses && !matches(email, data.emails.allowed_addresses))
    out.push({ code: 'email-not-allowed', msg: 'email is not allowed' });
  if (matches(email, data.emails?.banned_addresses))
    out.push({ code: 'email-banned', msg: 'email is not allowed' });
  return out;
}

/** `register/violation` for `registration_method: upstream-oauth2` (register.rego) */
export function evaluateRegister(
  input: { username: string; email?: string; registrationMethod: 'password' | 'upstream-oauth2' },
  data: PolicyData & { server_name: string },
): EvaluationResult {
  const v: Violation[] = [];
  const u = input.username;
  if (u.length === 0) v.push({ field: 'username', code: 'username-too-short', msg: 'username too short' });
  if (`@${u}:${data.server_name}`.length > 255)
    v.push({ field: 'username', code: 'username-too-long', msg: 'username too long' });
  if (/^[0-9]+$/.test(u))
    v.push({
      field: 'username',
      code: 'username-all-numeric',
      msg: 'username must contain at least one non-numeric character',
    });
  if (!/^[a-z0-9.=_/+-]+$/.test(u))
    v.push({
      field: 'username',
      code: 'username-invalid-chars',
      msg: 'username contains invalid characters',
    });
  if (matches(u, data.registration?.banned_usernames))
    v.push({ field: 'username', code: 'username-banned', msg: 'username is banned' });
  if (data.registration?.allowed_usernames && !matches(u, data.registration.allowed_usernames))
    v.push({ field: 'username', code: 'username-not-allowed', msg: 'username is not allowed' });
  if (input.email) for (const ev of emailViolations(input.email, data)) v.push({ field: 'email', ...ev });
  return sorted(v);
}

const DEVICE_UNSTABLE = /^urn:matrix:org\.matrix\.msc2967\.client:device:[A-Za-z0-9._~!$&'()*+,;=:@/-]{10,}$/;
const DEVICE_STABLE = /^urn:matrix:client:device:[A-Za-z0-9._~!$&'()*+,;=:@/-]{10,}$/;

/** `authorization_grant/violation` (authorization_grant.rego) */
export function evaluateAuthorizationGrant(
  input: {
    scope: string;
    grantType: 'authorization_code' | 'client_credentials' | 'refresh_token';
    clientId: string;
    user?: { username: string; canRequestAdmin: boolean };
  },
  data: PolicyData,
): EvaluationResult {
  const interactive = input.grantType === 'authorization_code';
  const canRequestAdmin = (user: typeof input.user) =>
    !!user && ((data.admin_users ?? []).includes(user.username) || user.canRequestAdmin);
  const allowed = (scope: string): boolean => {
    if (scope === '' || scope === 'openid' || scope === 'email') return true;
    if (scope === 'urn:synapse:admin:*') return interactive && canRequestAdmin(input.user);
    if (scope === 'urn:mas:graphql:*') return true;
    if (scope === 'urn:mas:admin') {
      if (interactive && canRequestAdmin(input.user)) return true;
      return input.grantType === 'client_credentials' && (data.admin_clients ?? []).includes(input.clientId);
    }
    if (DEVICE_UNSTABLE.test(scope) || DEVICE_STABLE.test(scope)) return interactive;
    if (scope === 'urn:matrix:client:api:*' || scope === 'urn:matrix:org.matrix.msc2967.client:api:*')
      return interactive;
    return false;
  };
  const scopes = input.scope.split(' ');
  const v: Violation[] = [];
  for (const s of new Set(scopes)) if (!allowed(s)) v.push({ msg: `scope '${s}' not allowed` });
  const count = (prefix: string) => new Set(scopes.filter((s) => s.startsWith(prefix))).size;
  if (count('urn:matrix:org.matrix.msc2967.client:device:') > 1 || count('urn:matrix:client:device:') > 1)
    v.push({ msg: 'only one device scope is allowed at a time' });
  const hasDevice =
    count('urn:matrix:client:device:') + count('urn:matrix:org.matrix.msc2967.client:device:') > 0;
  const hasApi = count('urn:matrix:client:api:') + count('urn:matrix:org.matrix.msc2967.client:api:') > 0;
  if (hasDevice && !hasApi)
    v.push({ msg: 'device scopes are only allowed when the client-server API scope is requested' });
  if (count('urn:matrix:client:') > 0 && count('urn:matrix:org.matrix.msc2967.client:') > 0)
    v.push({ msg: 'request cannot mix unstable and stable scopes' });
  return sorted(v);
}

interface ParsedUri {
  scheme: string;
  authority: string;
  host: string;
}

function parseUri(url: unknown): ParsedUri | undefined {
  if (typeof url !== 'string') return undefined;
  const m =
    /^(?<scheme>[a-z][a-z0-9+.-]*):(?:\/\/(?<authority>(?<host>(?:(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?<port>[0-9]+))?))?(?<path>\/[A-Za-z0-9/._~-]*)?(?<query>\?[-a-zA-Z0-9()@:%_+.~#?&/=]*)?$/.exec(
      url,
    );
  if (!m?.groups) return undefined;
  return { scheme: m.groups.scheme!, authority: m.groups.authority ?? '', host: m.groups.host ?? '' };
}

function isSubdomain(host: string, sub: string): boolean {
  const h = host.split('.').reverse();
  const s = sub.split('.').reverse();
  return h.every((part, i) => s[i] === part);
}

/** `client_registration/violation` (client_registration.rego), the checks on redirect URIs */
export function evaluateClientRegistration(
  metadata: Record<string, unknown>,
  data: PolicyData,
): EvaluationResult {
  const cr = data.client_registration ?? {};
  const v: Violation[] = [];
  const grantTypes = Array.isArray(metadata.grant_types) ? (metadata.grant_types as unknown[]) : undefined;
  const usesGrant = (g: string) => (grantTypes ? grantTypes.includes(g) : g === 'authorization_code');
  const clientUri = parseUri(metadata.client_uri);
  if (metadata.client_uri === undefined && !cr.allow_missing_client_uri)
    v.push({ msg: 'missing client_uri' });
  if (metadata.client_uri !== undefined && !clientUri) v.push({ msg: 'invalid client_uri' });
  if (usesGrant('client_credentials') && metadata.token_endpoint_auth_method === 'none')
    v.push({ msg: 'client_credentials grant_type requires some form of client authentication' });
  const requiresRedirect = usesGrant('authorization_code') || usesGrant('implicit');
  const uris = metadata.redirect_uris;
  if (requiresRedirect && uris === undefined) v.push({ msg: 'missing redirect_uris' });
  if (!Array.isArray(uris)) v.push({ msg: 'invalid redirect_uris: it must be an array' });
  else {
    if (requiresRedirect && uris.length === 0)
      v.push({ msg: 'invalid redirect_uris: it must have at least one redirect_uri' });
    const secure = (u: ParsedUri) =>
      cr.allow_insecure_uris ||
      (u.scheme === 'https' && !['localhost', '127.0.0.1', '0.0.0.0', '[::1]'].includes(u.host));
    const hostMatches = (u: ParsedUri) =>
      cr.allow_host_mismatch ||
      (cr.allow_missing_client_uri && metadata.client_uri === undefined) ||
      (!!clientUri && isSubdomain(clientUri.host, u.host));
    const nativeOk = (u: ParsedUri) =>
      (['localhost', '127.0.0.1', '[::1]'].includes(u.host) && u.scheme === 'http') ||
      (u.scheme !== 'http' &&
        u.scheme !== 'https' &&
        u.authority === '' &&
        !!clientUri &&
        u.scheme.split('.').slice(0, clientUri.host.split('.').length).join('.') ===
          clientUri.host.split('.').reverse().join('.'));
    for (const raw of uris) {
      const u = parseUri(raw);
      const ok =
        !!u && ((metadata.application_type === 'native' && nativeOk(u)) || (secure(u) && hostMatches(u)));
      if (!ok) v.push({ msg: 'invalid redirect_uri', redirect_uri: String(raw) });
    }
  }
  return { violations: v };
}
