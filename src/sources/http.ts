import type { FetchError, FetchErrorCode, Fetched } from '../snapshot/types.js';

export type FetchLike = typeof fetch;

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  timeoutMs: number;
  fetch?: FetchLike;
  /** follow redirects (discovery must not: MAS does not) */
  redirect?: 'follow' | 'manual';
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json?: unknown;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a network failure into one plain sentence and a stable code. */
export function describeNetworkError(err: unknown, url: string, timeoutMs: number): FetchError {
  const name = (err as { name?: string })?.name;
  const code = causeCode(err);
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  let c: FetchErrorCode;
  let message: string;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    c = 'ERR_SOURCE_TIMEOUT';
    message = `${host} did not answer within ${timeoutMs} ms`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    c = 'ERR_SOURCE_DNS';
    message = `the name ${host.replace(/:\d+$/, '')} does not resolve (DNS)`;
  } else if (code && TLS_CODES.has(code)) {
    c = 'ERR_SOURCE_TLS';
    message =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `the TLS certificate of ${host} is not valid for that name`
        : code === 'CERT_HAS_EXPIRED'
          ? `the TLS certificate of ${host} has expired`
          : `the TLS certificate of ${host} is not trusted (${code}); a private CA must be trusted explicitly`;
  } else if (code === 'ECONNREFUSED') {
    c = 'ERR_SOURCE_CONNECT';
    message = `nothing accepts connections at ${host} (connection refused)`;
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    c = 'ERR_SOURCE_CONNECT';
    message = `${host} closed the connection without an answer`;
  } else {
    c = 'ERR_SOURCE_CONNECT';
    message = `${host} could not be reached (${code ?? (err as Error)?.message ?? 'unknown error'})`;
  }
  return { code: c, message, url };
}

/** One HTTP exchange with a timeout; never throws for network trouble, only returns a status. */
export async function httpRequest(req: HttpRequest): Promise<Fetched<HttpAnswer>> {
  const started = performance.now();
  const doFetch = req.fetch ?? fetch;
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await doFetch(req.url, {
      method: req.method ?? 'GET',
      headers: req.headers,
      body: req.body,
      redirect: req.redirect ?? 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    const type = response.headers.get('content-type') ?? '';
    if (/json/.test(type) || /^\s*[[{]/.test(text)) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return {
      status: 'ok',
      ms: ms(),
      data: { status: response.status, headers: response.headers, text, json },
    };
  } catch (err) {
    return { status: 'unreachable', ms: ms(), error: describeNetworkError(err, req.url, req.timeoutMs) };
  }
}

/** Like httpRequest, but only a 2xx JSON body counts as ok. */
export async function fetchJson<T = unknown>(req: HttpRequest): Promise<Fetched<T>> {
  const answer = await httpRequest(req);
  if (answer.status !== 'ok') return answer;
  const { status, json, text } = answer.data;
  if (status === 401 || status === 403) {
    return {
      status: 'error',
      ms: answer.ms,
      error: {
        code: status === 401 ? 'ERR_SOURCE_AUTH' : 'ERR_SOURCE_FORBIDDEN',
        status,
        url: req.url,
        message:
          status === 401
            ? `${req.url} answered 401: the credentials were not accepted`
            : `${req.url} answered 403: the credentials lack a permission${detailOf(json)}`,
      },
    };
  }
  if (status < 200 || status >= 300) {
    return {
      status: 'error',
      ms: answer.ms,
      error: {
        code: 'ERR_SOURCE_HTTP_STATUS',
        status,
        url: req.url,
        message: `${req.url} answered HTTP ${status}${detailOf(json)}`,
      },
    };
  }
  if (json === undefined) {
    const peek = text.slice(0, 60).replace(/\s+/g, ' ');
    return {
      status: 'error',
      ms: answer.ms,
      error: {
        code: 'ERR_SOURCE_NOT_JSON',
        status,
        url: req.url,
        message: `${req.url} did not answer with JSON (it begins "${peek}")`,
      },
    };
  }
  return { status: 'ok', ms: answer.ms, data: json as T };
}

function detailOf(json: unknown): string {
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    const d =
      o.detail ??
      o.error_description ??
      o.error ??
      (Array.isArray(o.errors) ? (o.errors[0] as { title?: string })?.title : undefined);
    if (typeof d === 'string' && d) return ` ("${d.slice(0, 160)}")`;
  }
  return '';
}
