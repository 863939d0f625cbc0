import type { Evidence } from '../../../report/types.js';
import type {
  AkApplication,
  AkProvider,
  AkUser,
  AuthentikFacts,
  ChainSnapshot,
  DiscoveryFacts,
  MasConfigFacts,
  MasProviderFacts,
  SecretValue,
} from '../../../snapshot/types.js';
import { isSecret } from '../../../snapshot/secret.js';

/**
 * Shared readers for the chain checks of the authentik, oidc and mapping hops: which MAS
 * upstream provider belongs to which Authentik provider, who the users of interest are, and
 * the small formatting helpers every finding uses. Pure: snapshot in, values out.
 */

export function authentikOf(snap: ChainSnapshot): AuthentikFacts | undefined {
  return snap.authentik.status === 'ok' ? snap.authentik.data : undefined;
}

export function masOf(snap: ChainSnapshot): MasConfigFacts | undefined {
  return snap.masConfig.status === 'ok' ? snap.masConfig.data : undefined;
}

export function discoveryOf(snap: ChainSnapshot, masId: string): DiscoveryFacts | undefined {
  const d = snap.discovery[masId];
  return d?.status === 'ok' ? d.data : undefined;
}

/** `/application/o/<slug>/` in an issuer: the slug of the Authentik application it names. */
export function issuerSlug(issuer: string | undefined): string | undefined {
  if (!issuer) return undefined;
  try {
    return /\/application\/o\/([^/]+)\/?$/.exec(new URL(issuer).pathname)?.[1];
  } catch {
    return undefined;
  }
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** A MAS provider aimed at Authentik: its issuer is on Authentik's host or has Authentik's path. */
export function aimsAtAuthentik(p: MasProviderFacts, ak: AuthentikFacts): boolean {
  if (!p.issuer) return false;
  return hostOf(p.issuer) === hostOf(ak.url) || issuerSlug(p.issuer) !== undefined;
}

export interface ProviderPair {
  /** the MAS upstream provider */
  mas: MasProviderFacts;
  /** its index in `upstream_oauth2.providers` (for YAML paths) */
  index: number;
  /** the Authentik provider with MAS's client_id */
  ak: AkProvider;
  /** the application the provider is assigned to */
  app?: AkApplication;
}

/** Enabled MAS providers and the Authentik provider each one's client_id names. */
export function providerPairs(snap: ChainSnapshot): ProviderPair[] {
  const ak = authentikOf(snap);
  const mas = masOf(snap);
  if (!ak || !mas) return [];
  const out: ProviderPair[] = [];
  mas.providers.forEach((p, index) => {
    if (!p.enabled || !p.client_id) return;
    const provider = ak.providers.find((x) => x.client_id === p.client_id);
    if (!provider) return;
    const app =
      ak.applications.find((a) => a.provider === provider.pk) ??
      (provider.assigned_application_slug
        ? ak.applications.find((a) => a.slug === provider.assigned_application_slug)
        : undefined);
    out.push({ mas: p, index, ak: provider, ...(app ? { app } : {}) });
  });
  return out;
}

export const akSubject = (p: AkProvider): string => `provider/${p.name}`;
export const masSubject = (p: MasProviderFacts): string => `provider/${p.id}`;
export const masPath = (index: number, key?: string): string =>
  `upstream_oauth2.providers[${index}]${key ? `.${key}` : ''}`;

/** The users a run looks at closely: the focus user, else those the source sampled. */
export function usersOfInterest(snap: ChainSnapshot): AkUser[] {
  const ak = authentikOf(snap);
  if (!ak) return [];
  if (snap.user) {
    const u =
      ak.users.find((x) => x.username === snap.user) ??
      ak.users.find((x) => x.username.toLowerCase() === snap.user!.toLowerCase());
    return u ? [u] : [];
  }
  const names = new Set([...ak.access.map((a) => a.username), ...ak.claimsPreview.map((c) => c.username)]);
  return ak.users.filter((u) => names.has(u.username));
}

/** `2026.8.3` -> [2026, 8, 3]; undefined when the version is unknown or not of that form. */
export function versionParts(version: string | undefined): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionAtLeast(
  version: string | undefined,
  major: number,
  minor: number,
  patch = 0,
): boolean {
  const v = versionParts(version);
  if (!v) return true; // unknown: assume a current server
  return v[0] !== major ? v[0] > major : v[1] !== minor ? v[1] > minor : v[2] >= patch;
}

/**
 * Authentik before the CVE-2024-52289 fix (2024.8.5 / 2024.10.3) keeps redirect URIs as one
 * string of regular expressions; later versions as a list of `{matching_mode, url}`.
 */
export function legacyRedirectUris(version: string | undefined): boolean {
  const v = versionParts(version);
  if (!v) return false;
  const [major, minor, patch] = v;
  if (major !== 2024) return major < 2024;
  if (minor < 8) return true;
  if (minor === 8) return patch < 5;
  if (minor === 10) return patch < 3;
  return minor === 9;
}

/** The redirect URI MAS sends for a provider: `<public_base>` joined with `upstream/callback/<ULID>`. */
export function callbackUrl(publicBase: string | undefined, providerId: string): string | undefined {
  if (!publicBase) return undefined;
  try {
    return new URL(`upstream/callback/${providerId.toUpperCase()}`, publicBase).toString();
  } catch {
    return undefined;
  }
}

/** `curl` for an Authentik API call, with the token left to the shell. */
export function akCurl(base: string, method: string, path: string, body?: unknown): string {
  const lines = [
    `curl -sS -X ${method} -H "Authorization: Bearer $AUTHENTIK_TOKEN" \\`,
    ...(body !== undefined ? ['  -H "Content-Type: application/json" \\'] : []),
    `  ${base.replace(/\/+$/, '')}/api/v3${path}${body !== undefined ? ' \\' : ''}`,
  ];
  if (body !== undefined) lines.push(`  -d '${JSON.stringify(body)}'`);
  return lines.join('\n');
}

/** A MAS provider snippet: the keys to set, under the provider's id. */
export function masYaml(p: MasProviderFacts, keys: Record<string, string>, comment?: string): string {
  const lines = ['upstream_oauth2:', '  providers:', `    - id: ${p.id}`];
  if (comment) lines.push(`      # ${comment}`);
  for (const [k, v] of Object.entries(keys)) lines.push(`      ${k}: ${v}`);
  return lines.join('\n');
}

/** Log lines (MAS, Authentik) that contain one of the needles, as evidence; at most `max`. */
export function logEvidence(snap: ChainSnapshot, needles: readonly string[], max = 3): Evidence[] {
  const out: Evidence[] = [];
  for (const l of snap.logs) {
    if (needles.some((n) => l.line.includes(n))) out.push({ source: 'log', excerpt: l.line.slice(0, 400) });
    if (out.length >= max) break;
  }
  return out;
}

/** A secret's length and fingerprint: enough to tell two apart, never the value. */
export function secretShape(s: SecretValue): { length: number; sha256: string } {
  return isSecret(s) ? { length: s.length, sha256: s.fingerprint() } : { length: s.length, sha256: s.sha256 };
}

/** Equal secrets: in constant time when both are live, by fingerprint when one came from a bundle. */
export function secretsEqual(a: SecretValue, b: SecretValue): boolean {
  if (isSecret(a) && isSecret(b)) return a.equals(b);
  const x = secretShape(a);
  const y = secretShape(b);
  return x.length === y.length && x.sha256 === y.sha256;
}

export const quote = (s: string): string => JSON.stringify(s);
