import type { Fetched, MasRuntimeFacts } from '../snapshot/types.js';
import { fetchJson, httpRequest } from './http.js';
import { joinUrl } from './mas-admin.js';
import type { SnapshotPart, Source, SourceContext } from './source.js';

/**
 * MAS as it runs: its own discovery document (the issuer it really advertises, whatever the
 * config says) and what `GET /_matrix/client/v3/login` answers at the public homeserver URL,
 * which tells whether the reverse proxy sends the legacy login API to MAS (`mas-cli doctor`
 * does the same). The two requests are independent and run together.
 */

const since = (started: number) => Math.round(performance.now() - started);

async function compatLogin(
  ctx: SourceContext,
  homeserverUrl: string,
): Promise<NonNullable<MasRuntimeFacts['compatLogin']>> {
  const url = joinUrl(homeserverUrl, '/_matrix/client/v3/login');
  const answer = await httpRequest({ url, timeoutMs: ctx.timeoutMs, fetch: ctx.fetch });
  if (answer.status !== 'ok') return answer;
  const { status, json, text } = answer.data;
  return {
    status: 'ok',
    ms: answer.ms,
    data: { url, status, body: json !== undefined ? json : text.slice(0, 300) },
  };
}

export const masRuntimeSource: Source = {
  name: 'mas-runtime',
  wave: 2,
  async collect(ctx: SourceContext): Promise<SnapshotPart> {
    const mas = ctx.config.mas;
    if (!mas) return { masRuntime: { status: 'skipped', reason: 'mas is not configured in ssochain.yaml' } };
    const started = performance.now();
    const base = mas.internalUrl ?? mas.url;
    const homeserver = ctx.config.synapse?.url;
    const [discovery, login] = await Promise.all([
      fetchJson<Record<string, unknown>>({
        url: joinUrl(base, '/.well-known/openid-configuration'),
        timeoutMs: ctx.timeoutMs,
        fetch: ctx.fetch,
      }),
      homeserver ? compatLogin(ctx, homeserver) : Promise.resolve(undefined),
    ]);
    // without its discovery document MAS is of no use to clients: that is the whole answer
    if (discovery.status !== 'ok') return { masRuntime: discovery };
    const url = joinUrl(base, '/.well-known/openid-configuration');
    if (typeof discovery.data !== 'object' || discovery.data === null || Array.isArray(discovery.data)) {
      return {
        masRuntime: {
          status: 'error',
          ms: since(started),
          error: {
            code: 'ERR_SOURCE_INVALID',
            url,
            message: `${url} did not answer with a discovery document (a JSON object)`,
          },
        },
      };
    }
    const discoveryPart: Fetched<Record<string, unknown>> = discovery;
    const data: MasRuntimeFacts = { discovery: discoveryPart };
    if (login) data.compatLogin = login;
    return { masRuntime: { status: 'ok', ms: since(started), data } };
  },
};
