import type { DiscoveryFacts, FetchError, Fetched, MasProviderFacts } from '../snapshot/types.js';
import { httpRequest, type HttpAnswer } from './http.js';
import type { Source, SourceContext, SnapshotPart } from './source.js';

/**
 * The discovery source: for every MAS upstream provider, the OpenID Connect discovery document
 * and the JWKS, fetched the way MAS fetches them, so the checks judge what MAS will see.
 *
 * - The URL is built as MAS's oidc-client does (`requests/discovery.rs`): the issuer is parsed
 *   as a URL, a `/` is appended to its path when missing, and `.well-known/openid-configuration`
 *   is resolved against it. So `https://ak/application/o/matrix` (no slash) is fetched at the
 *   same URL as `https://ak/application/o/matrix/`; only the issuer comparison differs.
 * - MAS's HTTP client (reqwest with its default policy) follows up to 10 redirects; each hop
 *   is fetched here with `redirect: manual` and recorded, so a redirect is visible evidence.
 * - The JWKS comes from the provider's `jwks_uri` override in the MAS config when set, else
 *   from discovery.
 *
 * Nothing is judged here: an HTTP status, a TLS failure or a non-JSON body is recorded as a
 * non-ok `Fetched` with one plain sentence, and the raw documents are kept as they came.
 */
export const MAX_REDIRECTS = 10;

/** The discovery URL MAS derives from an issuer; undefined when MAS could not parse it either. */
export function discoveryUrl(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return undefined;
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return new URL('.well-known/openid-configuration', url).toString();
}

interface Followed {
  answer: HttpAnswer;
  url: string;
  redirects: string[];
}

/** GET with redirects followed by hand (each hop recorded), as reqwest's default policy does. */
async function getFollowing(
  url: string,
  ctx: SourceContext,
  what: string,
): Promise<
  { ok: true; value: Followed } | { ok: false; status: 'unreachable' | 'error'; error: FetchError }
> {
  const redirects: string[] = [];
  let current = url;
  for (;;) {
    const res = await httpRequest({
      url: current,
      timeoutMs: ctx.timeoutMs,
      fetch: ctx.fetch,
      redirect: 'manual',
    });
    if (res.status !== 'ok') {
      const error = res.status === 'skipped' ? undefined : res.error;
      const base = error ?? {
        code: 'ERR_SOURCE_CONNECT' as const,
        message: `${current} could not be fetched`,
      };
      let message = `${what} could not be fetched from ${current}: ${base.message}`;
      if (base.code === 'ERR_SOURCE_TLS')
        message +=
          '. MAS verifies TLS with the trust store of its own container, so it needs that CA as well';
      return { ok: false, status: 'unreachable', error: { ...base, url: current, message } };
    }
    const answer = res.data;
    const location = answer.headers.get('location');
    if (answer.status >= 300 && answer.status < 400 && location) {
      if (redirects.length >= MAX_REDIRECTS) {
        return {
          ok: false,
          status: 'error',
          error: {
            code: 'ERR_SOURCE_HTTP_STATUS',
            status: answer.status,
            url,
            message: `${what} at ${url} redirects more than ${MAX_REDIRECTS} times (MAS gives up with "too many redirects")`,
          },
        };
      }
      let next: string;
      try {
        next = new URL(location, current).toString();
      } catch {
        return {
          ok: false,
          status: 'error',
          error: {
            code: 'ERR_SOURCE_HTTP_STATUS',
            status: answer.status,
            url: current,
            message: `${current} redirects to "${location.slice(0, 120)}", which is not a URL`,
          },
        };
      }
      redirects.push(next);
      current = next;
      continue;
    }
    return { ok: true, value: { answer, url: current, redirects } };
  }
}

function detailOf(json: unknown): string {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const d = o.detail ?? o.error_description ?? o.error;
    if (typeof d === 'string' && d) return ` ("${d.slice(0, 160)}")`;
  }
  return '';
}

/** A 2xx JSON answer, or one plain sentence saying why not. */
function jsonOf(f: Followed, what: string): { ok: true; json: unknown } | { ok: false; error: FetchError } {
  const { answer, url } = f;
  const via = f.redirects.length ? ` (after ${f.redirects.length} redirect(s))` : '';
  if (answer.status < 200 || answer.status >= 300) {
    return {
      ok: false,
      error: {
        code: 'ERR_SOURCE_HTTP_STATUS',
        status: answer.status,
        url,
        message: `${what} at ${url}${via} answered HTTP ${answer.status}${detailOf(answer.json)}`,
      },
    };
  }
  if (answer.json === undefined) {
    const peek = answer.text.slice(0, 60).replace(/\s+/g, ' ').trim();
    return {
      ok: false,
      error: {
        code: 'ERR_SOURCE_NOT_JSON',
        status: answer.status,
        url,
        message: `${what} at ${url}${via} is not JSON (it begins "${peek}"); MAS fails with "error decoding response body"`,
      },
    };
  }
  return { ok: true, json: answer.json };
}

function jwksOverride(raw: Record<string, unknown> | undefined, id: string): string | undefined {
  const providers = (raw?.upstream_oauth2 as { providers?: unknown } | undefined)?.providers;
  if (!Array.isArray(providers)) return undefined;
  for (const p of providers) {
    if (p && typeof p === 'object' && (p as Record<string, unknown>).id === id) {
      const uri = (p as Record<string, unknown>).jwks_uri;
      return typeof uri === 'string' && uri ? uri : undefined;
    }
  }
  return undefined;
}

async function discoverOne(
  p: MasProviderFacts,
  ctx: SourceContext,
  raw: Record<string, unknown> | undefined,
): Promise<Fetched<DiscoveryFacts>> {
  if (!p.enabled) return { status: 'skipped', reason: 'the provider is disabled in the MAS config' };
  if (p.discovery_mode === 'disabled')
    return {
      status: 'skipped',
      reason: 'discovery_mode is disabled; MAS uses the endpoints set in its config',
    };
  if (!p.issuer)
    return { status: 'skipped', reason: 'the MAS provider has no issuer, so MAS cannot discover it' };
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const url = discoveryUrl(p.issuer);
  if (!url) {
    return {
      status: 'error',
      ms: 0,
      error: {
        code: 'ERR_SOURCE_INVALID',
        message: `The MAS issuer "${p.issuer}" is not a URL, so MAS cannot build a discovery URL from it`,
      },
    };
  }
  const got = await getFollowing(url, ctx, 'The discovery document');
  if (!got.ok) return { status: got.status, ms: ms(), error: got.error };
  const parsed = jsonOf(got.value, 'The discovery document');
  if (!parsed.ok) return { status: 'error', ms: ms(), error: parsed.error };
  if (!parsed.json || typeof parsed.json !== 'object' || Array.isArray(parsed.json)) {
    return {
      status: 'error',
      ms: ms(),
      error: {
        code: 'ERR_SOURCE_INVALID',
        status: got.value.answer.status,
        url: got.value.url,
        message: `The discovery document at ${got.value.url} is JSON but not an object`,
      },
    };
  }
  const document = parsed.json as Record<string, unknown>;
  const facts: DiscoveryFacts = { url, document };
  if (got.value.redirects.length) facts.redirects = got.value.redirects;

  const jwksUri =
    jwksOverride(raw, p.id) ?? (typeof document.jwks_uri === 'string' ? document.jwks_uri : undefined);
  if (!jwksUri) {
    facts.jwks = { status: 'skipped', reason: 'the discovery document has no jwks_uri and MAS sets none' };
  } else {
    const jwksStarted = performance.now();
    const jwksMs = () => Math.round(performance.now() - jwksStarted);
    const j = await getFollowing(jwksUri, ctx, 'The JWKS');
    if (!j.ok) facts.jwks = { status: j.status, ms: jwksMs(), error: j.error };
    else {
      const body = jsonOf(j.value, 'The JWKS');
      facts.jwks = body.ok
        ? { status: 'ok', ms: jwksMs(), data: { url: jwksUri, body: body.json } }
        : { status: 'error', ms: jwksMs(), error: body.error };
    }
  }
  return { status: 'ok', ms: ms(), data: facts };
}

export const discoverySource: Source = {
  name: 'discovery',
  wave: 2,
  async collect(ctx, earlier): Promise<SnapshotPart> {
    const mas = earlier.masConfig;
    if (!mas || mas.status !== 'ok') return { discovery: {} };
    const providers = mas.data.providers;
    let done = 0;
    const results = await Promise.all(
      providers.map(async (p) => {
        const r = await discoverOne(p, ctx, mas.data.raw);
        ctx.progress?.('discovery', `${++done}/${providers.length} providers`);
        return [p.id, r] as const;
      }),
    );
    return { discovery: Object.fromEntries(results) };
  },
};
