import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { MasError } from './errors.js';

/**
 * MAS's outgoing HTTP (reqwest + rustls) as seen from its error messages: every failure
 * becomes the error chain reqwest would print, e.g. `error sending request for url (...)` →
 * `client error (Connect)` → `invalid peer certificate: UnknownIssuer`.
 */
export interface HttpResponse {
  url: string;
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** extra CA certificates (PEM) MAS trusts besides the system store */
  ca?: string[];
  timeoutMs?: number;
}

const STATUS_TEXT: Record<number, string> = http.STATUS_CODES as Record<number, string>;

function tlsReason(code: string | undefined): string | undefined {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'invalid peer certificate: UnknownIssuer';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'invalid peer certificate: NotValidForName';
    case 'CERT_HAS_EXPIRED':
      return 'invalid peer certificate: Expired';
    case 'CERT_NOT_YET_VALID':
      return 'invalid peer certificate: NotValidYet';
    default:
      return undefined;
  }
}

function connectError(url: string, err: NodeJS.ErrnoException): MasError {
  const outer = `error sending request for url (${url})`;
  const tlsError = tlsReason(err.code);
  if (tlsError) return new MasError(outer, new MasError('client error (Connect)', new MasError(tlsError)));
  const os: Record<string, string> = {
    ECONNREFUSED: 'Connection refused (os error 111)',
    ECONNRESET: 'Connection reset by peer (os error 104)',
    EHOSTUNREACH: 'No route to host (os error 113)',
    ENETUNREACH: 'Network is unreachable (os error 101)',
  };
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
    return new MasError(
      outer,
      new MasError(
        'client error (Connect)',
        new MasError(
          'dns error',
          new MasError('failed to lookup address information: Name or service not known'),
        ),
      ),
    );
  if (err.code && os[err.code])
    return new MasError(
      outer,
      new MasError('client error (Connect)', new MasError('tcp connect error', new MasError(os[err.code]!))),
    );
  if (err.code === 'ECONNRESET' || err.message === 'socket hang up')
    return new MasError(
      outer,
      new MasError('client error (SendRequest)', new MasError('connection closed before message completed')),
    );
  return new MasError(outer, new MasError(err.message));
}

export function request(target: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const url = new URL(target);
  const isHttps = url.protocol === 'https:';
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { 'user-agent': 'mas-emulator (ssochain sandbox)', ...(options.headers ?? {}) },
        // extra trust anchors are added to the system store, as a CA mounted into MAS's image would be
        ...(isHttps && options.ca?.length ? { ca: [...options.ca, ...tls.rootCertificates] } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            url: url.href,
            status: res.statusCode ?? 0,
            statusText: res.statusMessage || STATUS_TEXT[res.statusCode ?? 0] || '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (err) =>
          reject(new MasError('error decoding response body', new MasError(err.message))),
        );
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => {
      req.destroy();
      reject(
        new MasError(`error sending request for url (${url.href})`, new MasError('operation timed out')),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(connectError(url.href, err)));
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/** `error_for_status()`: reqwest's message for a 4xx/5xx answer */
export function statusError(res: HttpResponse): MasError | undefined {
  if (res.status < 400) return undefined;
  const kind = res.status < 500 ? 'client' : 'server';
  return new MasError(
    `HTTP status ${kind} error (${res.status} ${canonical(res.status)}) for url (${res.url})`,
  );
}

function canonical(status: number): string {
  return STATUS_TEXT[status] ?? '<unknown status code>';
}

/** serde_json's error wording for a body that does not parse, with line and column */
export function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return 'invalid type';
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : text.length;
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    if (text.trim() === '' || /Unexpected end/.test(message))
      return `EOF while parsing a value at line ${line} column ${column - 1}`;
    return `expected value at line ${line} column ${column}`;
  }
}

/** `response.json()`: parse or fail with reqwest's `error decoding response body` */
export function parseJson(res: HttpResponse): unknown {
  const text = res.body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MasError('error decoding response body', new MasError(jsonError(text)));
  }
}

/** position (line 1, column after the last `}`) serde reports for a missing struct field */
export function endPosition(text: string): string {
  const trimmed = text.replace(/\s+$/, '');
  const lines = trimmed.split('\n');
  return `line ${lines.length} column ${lines[lines.length - 1]!.length}`;
}
