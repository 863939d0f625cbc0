import type { Reply } from '../http/server.js';

/**
 * A Matrix error as Synapse raises it (`SynapseError` and subclasses): the HTTP status, the
 * `errcode` (`M_UNKNOWN` unless given) and the message, plus any extra JSON fields.
 */
export class SynapseError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errcode = 'M_UNKNOWN',
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SynapseError';
  }

  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const unrecognized = (status = 404): SynapseError =>
  new SynapseError(status, 'Unrecognized request', 'M_UNRECOGNIZED');

export const notFound = (message = 'Not found'): SynapseError =>
  new SynapseError(404, message, 'M_NOT_FOUND');

export const missingToken = (message = 'Missing access token'): SynapseError =>
  new SynapseError(401, message, 'M_MISSING_TOKEN');

export const unknownToken = (message = 'Unrecognised access token'): SynapseError =>
  new SynapseError(401, message, 'M_UNKNOWN_TOKEN', { soft_logout: false });

export const forbidden = (message: string): SynapseError => new SynapseError(403, message, 'M_FORBIDDEN');

/** What any unexpected exception becomes on the wire. */
export const internalError = (): SynapseError => new SynapseError(500, 'Internal server error', 'M_UNKNOWN');

/** Headers Synapse puts on every JSON answer of its client/admin resources. */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization, Date',
  'access-control-expose-headers': 'Synapse-Trace-Id, Server',
};

export const NO_CACHE = 'no-cache, no-store, must-revalidate';

/** A Synapse JSON answer: compact JSON, no-cache unless the servlet set its own policy. */
export function synapseJson(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  cors = true,
): Reply {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      ...(cors ? CORS_HEADERS : {}),
      'cache-control': NO_CACHE,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export function errorReply(err: SynapseError, headers: Record<string, string> = {}, cors = true): Reply {
  return synapseJson(err.status, err.body(), headers, cors);
}

/** Twisted's page for a path no resource serves. */
export const NO_SUCH_RESOURCE_HTML = `
<html>
  <head><title>404 - No Such Resource</title></head>
  <body>
    <h1>No Such Resource</h1>
    <p>Sorry. No luck finding that resource.</p>
  </body>
</html>
`;
