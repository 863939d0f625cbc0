import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Faults a scenario (or a test) can inject into one endpoint group of one emulated service.
 * They exist so reliability tests and benchmarks can make a dependency slow, failing or broken
 * without touching the emulator's logic.
 */
export interface FaultSpec {
  /** added before the handler runs */
  latencyMs?: number;
  /** answer with this status (and a JSON error body) instead of running the handler */
  status?: number;
  /** destroy the connection without an answer */
  reset?: boolean;
  /** answer 200 with a body that is not what the client expects */
  malformed?: boolean;
  /** dribble the real body out over this many milliseconds */
  slowBodyMs?: number;
}

/** Faults per endpoint group; the group `*` applies to every group of the service. */
export type FaultTable = Record<string, FaultSpec>;

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | object;
}

export interface RequestContext {
  req: http.IncomingMessage;
  method: string;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  cookies: Record<string, string>;
  /** raw body, read once and cached */
  body(): Promise<Buffer>;
  json<T = unknown>(): Promise<T>;
  form(): Promise<URLSearchParams>;
  /** scheme://host as the client addressed us (Host header), as Authentik builds issuers */
  origin: string;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  group: string;
  handler: Handler;
}

/** `/api/v3/core/users/:id/` style patterns; `*rest` matches the remainder. */
function compile(pattern: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      if (part.startsWith('*')) {
        keys.push(part.slice(1));
        return '(.*)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), keys };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

export function redirect(
  location: string,
  headers: Record<string, string | string[]> = {},
  status = 302,
): Reply {
  return { status, headers: { location, ...headers } };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export class Router {
  private readonly routes: Route[] = [];
  faults: FaultTable = {};

  constructor(readonly service: string) {}

  on(method: string | string[], pattern: string, group: string, handler: Handler): this {
    for (const m of Array.isArray(method) ? method : [method]) {
      this.routes.push({ method: m.toUpperCase(), ...compile(pattern), group, handler });
    }
    return this;
  }

  private faultFor(group: string): FaultSpec | undefined {
    return this.faults[group] ?? this.faults['*'];
  }

  /** node http listener */
  readonly listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.dispatch(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: 'internal emulator error',
            detail: String((err as Error)?.message ?? err),
          }),
        );
      } else res.destroy();
    });
  };

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? '127.0.0.1';
    const proto =
      req.headers['x-forwarded-proto'] ??
      ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
    const origin = `${String(proto).split(',')[0]}://${String(host).split(',')[0]}`;
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: Route; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      matched = { route, params };
      break;
    }
    if (!matched) {
      await this.write(
        res,
        json(pathMatched ? 405 : 404, { detail: pathMatched ? 'Method not allowed.' : 'Not found.' }),
      );
      return;
    }
    const fault = this.faultFor(matched.route.group);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      await this.write(res, json(fault.status, { detail: `injected fault: ${fault.status}` }));
      return;
    }
    let cached: Buffer | undefined;
    const body = async (): Promise<Buffer> => {
      if (cached) return cached;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      cached = Buffer.concat(chunks);
      return cached;
    };
    const ctx: RequestContext = {
      req,
      method,
      url,
      params: matched.params,
      query: url.searchParams,
      headers: req.headers,
      cookies: parseCookies(req.headers.cookie),
      body,
      json: async <T>() => {
        const raw = (await body()).toString('utf8');
        return (raw ? JSON.parse(raw) : {}) as T;
      },
      form: async () => new URLSearchParams((await body()).toString('utf8')),
      origin,
    };
    let reply = await matched.route.handler(ctx);
    if (fault?.malformed)
      reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"truncated": tr' };
    await this.write(res, reply, fault?.slowBodyMs, method === 'HEAD');
  }

  private async write(
    res: http.ServerResponse,
    reply: Reply,
    slowBodyMs?: number,
    head = false,
  ): Promise<void> {
    const body =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    const headers = { ...(reply.headers ?? {}) };
    if (!slowBodyMs) headers['content-length'] = String(body.length);
    res.writeHead(reply.status, headers);
    if (head) return void res.end();
    if (!slowBodyMs || body.length === 0) return void res.end(body);
    const pieces = Math.min(10, body.length);
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < body.length; i += size) {
      res.write(body.subarray(i, i + size));
      await sleep(slowBodyMs / pieces);
    }
    res.end();
  }
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server | https.Server;
  close(): Promise<void>;
}

/** Listens on loopback only; port 0 picks a free port. */
export async function listen(
  listener: http.RequestListener,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningServer> {
  const server = http.createServer(listener);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Like listen, over TLS with the given key and certificate (the sandbox's untrusted-TLS cases). */
export async function listenTls(
  listener: http.RequestListener,
  tls: { key: string; cert: string },
  host = '127.0.0.1',
): Promise<RunningServer> {
  const server = https.createServer(tls, listener);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `https://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
