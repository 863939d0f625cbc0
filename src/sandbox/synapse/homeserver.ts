import type http from 'node:http';
import type { Reply, RequestContext } from '../http/server.js';
import { Router } from '../http/server.js';
import type { HomeserverConfig } from './config.js';
import {
  CORS_HEADERS,
  errorReply,
  internalError,
  missingToken,
  NO_SUCH_RESOURCE_HTML,
  SynapseError,
  unknownToken,
  unrecognized,
} from './errors.js';
import type { SynapseLogger } from './logger.js';
import { isActive, MasClient } from './mas-client.js';
import type { SynapseStore, SynapseUser } from './store.js';

/**
 * Endpoint groups of the Synapse emulator, for fault injection (`faults.synapse.<group>`):
 * - `client`: the client-server API under `/_matrix/client` (versions, whoami, auth_metadata, ...)
 * - `synapse-mas`: the MAS-only API under `/_synapse/mas`
 * - `admin`: the admin API under `/_synapse/admin`
 * - `well-known`: `/.well-known/matrix/*`
 * - `other`: everything else (the root redirect, unknown paths)
 */
export const SYNAPSE_ENDPOINT_GROUPS = ['client', 'synapse-mas', 'admin', 'well-known', 'other'] as const;
export type SynapseEndpointGroup = (typeof SYNAPSE_ENDPOINT_GROUPS)[number];

export const STABLE_SCOPE_MATRIX_API = 'urn:matrix:client:api:*';
export const UNSTABLE_SCOPE_MATRIX_API = 'urn:matrix:org.matrix.msc2967.client:api:*';
export const STABLE_SCOPE_MATRIX_DEVICE_PREFIX = 'urn:matrix:client:device:';
export const UNSTABLE_SCOPE_MATRIX_DEVICE_PREFIX = 'urn:matrix:org.matrix.msc2967.client:device:';
export const SCOPE_SYNAPSE_ADMIN = 'urn:synapse:admin:*';

export interface Requester {
  userId: string;
  deviceId: string | null;
  scope: Set<string>;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

export type SynapseHandler = (ctx: RequestContext, requestId: string) => Promise<Reply> | Reply;

function patternRegex(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((part) =>
      part.startsWith(':')
        ? '[^/]+'
        : part.startsWith('*')
          ? '.*'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/** A running (or refusing) homeserver: config, database, the MAS link, and its HTTP surface. */
export class Homeserver {
  readonly mas: MasClient | null;
  private readonly known: { prefix: string; regex: RegExp }[] = [];
  readonly router: Router;

  constructor(
    readonly config: HomeserverConfig,
    readonly store: SynapseStore,
    readonly logger: SynapseLogger,
    readonly version: string,
    readonly port: string,
    private readonly now: () => number = Date.now,
  ) {
    this.mas = config.mas.enabled ? new MasClient(config.mas, now) : null;
    // Synapse answers a CORS preflight for any path, before any servlet sees it
    this.router = new Router('synapse').on('OPTIONS', '*rest', 'other', () =>
      this.withServerHeader({ status: 204, headers: { ...CORS_HEADERS } }),
    );
  }

  get serverName(): string {
    return this.config.serverName;
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** Registers a servlet; errors become Synapse's JSON errors, with Synapse's log lines. */
  on(
    method: string,
    pattern: string,
    group: SynapseEndpointGroup,
    servlet: string,
    handler: SynapseHandler,
  ): void {
    const prefix = pattern.split('/').slice(0, 3).join('/');
    this.known.push({ prefix, regex: patternRegex(pattern) });
    this.router.on(method, pattern, group, (ctx) => this.run(ctx, servlet, handler));
  }

  private async run(ctx: RequestContext, servlet: string, handler: SynapseHandler): Promise<Reply> {
    const requestId = this.logger.nextRequestId(ctx.method);
    const started = this.now();
    let reply: Reply;
    try {
      reply = await handler(ctx, requestId);
    } catch (err) {
      // headers a servlet set before it failed stay on the error answer
      const headers = (err as { replyHeaders?: Record<string, string> } | null)?.replyHeaders ?? {};
      if (err instanceof SynapseError) {
        this.logger.write(
          err.status >= 500 ? 'ERROR' : 'INFO',
          'synapse.http.server',
          132,
          requestId,
          `${this.describeRequest(ctx)} SynapseError: ${err.status} - ${err.message}`,
        );
        reply = errorReply(err, headers);
      } else {
        this.logger.write(
          'ERROR',
          'synapse.http.server',
          148,
          requestId,
          `Failed handle request via '${servlet}': ${this.describeRequest(ctx)}`,
        );
        reply = errorReply(internalError(), headers);
      }
    }
    this.accessLog(ctx, requestId, reply, started);
    return this.withServerHeader(reply);
  }

  withServerHeader(reply: Reply): Reply {
    return { ...reply, headers: { server: `Synapse/${this.version}`, ...(reply.headers ?? {}) } };
  }

  describeRequest(ctx: RequestContext): string {
    return `<SynapseRequest at 0x7f0000000000 method='${ctx.method}' uri='${ctx.url.pathname}${ctx.url.search}' clientproto='HTTP/1.1' site='${this.port}'>`;
  }

  private accessLog(ctx: RequestContext, requestId: string, reply: Reply, started: number): void {
    const secs = ((this.now() - started) / 1000).toFixed(3);
    const size =
      reply.body === undefined
        ? 0
        : Buffer.byteLength(
            typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
              ? reply.body
              : JSON.stringify(reply.body),
          );
    const agent = String(ctx.headers['user-agent'] ?? '-');
    this.logger.write(
      'INFO',
      `synapse.access.http.${this.port}`,
      643,
      requestId,
      `127.0.0.1 - ${this.port} - {None} Processed request: ${secs}sec/0.000sec ru=(0.000sec, 0.000sec) db=(0.000sec/0.000sec/0) ${size}B ${reply.status} "${ctx.method} ${ctx.url.pathname}${ctx.url.search} HTTP/1.1" "${agent}" [0 dbevts]`,
    );
  }

  /** Adds the catch-all answers for what no servlet serves, as Synapse's resource tree does. */
  finish(): Router {
    const jsonTree = (prefix: string, group: SynapseEndpointGroup) =>
      this.router.on(ALL_METHODS, `${prefix}/*rest`, group, (ctx) => {
        const pathKnown = this.known.some((k) => k.prefix === prefix && k.regex.test(ctx.url.pathname));
        return this.run(ctx, 'JsonResource', () => {
          throw unrecognized(pathKnown ? 405 : 404);
        });
      });
    jsonTree('/_matrix/client', 'client');
    jsonTree('/_synapse/admin', 'admin');
    // /_synapse/mas is a plain resource tree: known children answer JSON, others Twisted's 404 page
    this.router.on(ALL_METHODS, '/_synapse/mas/*rest', 'synapse-mas', (ctx) => {
      const pathKnown = this.known.some(
        (k) => k.prefix === '/_synapse/mas' && k.regex.test(ctx.url.pathname),
      );
      if (pathKnown) {
        return this.run(ctx, 'MasResource', () => {
          throw unrecognized(405);
        });
      }
      return this.noSuchResource();
    });
    this.router.on(ALL_METHODS, '/.well-known/matrix/client', 'well-known', (ctx) =>
      this.run(ctx, 'ClientWellKnownResource', () => {
        throw unrecognized(405);
      }),
    );
    this.router.on(ALL_METHODS, '/', 'other', (ctx) =>
      ctx.method === 'GET' || ctx.method === 'HEAD'
        ? this.withServerHeader({
            status: 302,
            headers: { 'content-type': 'text/html; charset=utf-8', location: '/_matrix/static' },
            body: REDIRECT_HTML,
          })
        : this.noSuchResource(),
    );
    this.router.on(ALL_METHODS, '*rest', 'other', () => this.noSuchResource());
    return this.router;
  }

  noSuchResource(): Reply {
    return this.withServerHeader({
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: NO_SUCH_RESOURCE_HTML,
    });
  }

  // ---------------------------------------------------------------- auth (MasDelegatedAuth)

  /** `get_access_token_from_request` */
  accessToken(ctx: RequestContext): string {
    const raw = ctx.req.rawHeaders;
    const auth: string[] = [];
    for (let i = 0; i < raw.length; i += 2)
      if (raw[i]!.toLowerCase() === 'authorization') auth.push(raw[i + 1]!);
    const query = ctx.query.getAll('access_token');
    if (auth.length) {
      if (ctx.query.has('access_token'))
        throw missingToken('Mixing Authorization headers and access_token query parameters.');
      if (auth.length > 1) throw missingToken('Too many Authorization headers.');
      const parts = auth[0]!.split(' ');
      if (parts[0] === 'Bearer' && parts.length === 2) return parts[1]!;
      throw missingToken('Invalid Authorization header.');
    }
    if (!query.length) throw missingToken();
    return query[0]!;
  }

  hasAccessToken(ctx: RequestContext): boolean {
    return ctx.headers.authorization !== undefined || ctx.query.has('access_token');
  }

  /** `is_request_using_the_shared_secret` */
  isFromMas(ctx: RequestContext): boolean {
    const token = this.accessToken(ctx);
    const secret = this.config.mas.secret;
    return !!secret && token === secret;
  }

  /** `MasDelegatedAuth.get_user_by_req` */
  async getUserByReq(ctx: RequestContext, requestId: string): Promise<Requester> {
    return this.getUserByAccessToken(this.accessToken(ctx), requestId);
  }

  async getUserByAccessToken(token: string, requestId: string): Promise<Requester> {
    const mas = this.mas;
    if (!mas) throw unknownToken();
    let result;
    try {
      result = await mas.introspect(token);
    } catch (err) {
      this.logger.write('ERROR', 'synapse.api.auth.mas', 328, requestId, 'Failed to introspect token');
      this.logger.write('ERROR', 'synapse.api.auth.mas', 328, requestId, String((err as Error).message));
      throw new SynapseError(503, 'Unable to introspect the access token');
    }
    if (!isActive(result, this.now())) throw unknownToken('Token is not active');
    const scope = new Set((result.scope ?? '').split(' ').filter(Boolean));
    if (!scope.has(UNSTABLE_SCOPE_MATRIX_API) && !scope.has(STABLE_SCOPE_MATRIX_API))
      throw unknownToken("Token doesn't grant access to the Matrix C-S API");
    if (result.username === null)
      throw new SynapseError(500, 'Invalid username claim in the introspection result', 'M_FORBIDDEN');
    const userId = this.userId(result.username);
    const user = this.store.get(userId);
    if (!user) throw new SynapseError(500, 'User not found', 'M_FORBIDDEN');
    let deviceId = result.deviceId;
    if (deviceId === null) {
      const ids = new Set<string>();
      for (const tok of scope) {
        if (tok.startsWith(UNSTABLE_SCOPE_MATRIX_DEVICE_PREFIX))
          ids.add(tok.slice(UNSTABLE_SCOPE_MATRIX_DEVICE_PREFIX.length));
        else if (tok.startsWith(STABLE_SCOPE_MATRIX_DEVICE_PREFIX))
          ids.add(tok.slice(STABLE_SCOPE_MATRIX_DEVICE_PREFIX.length));
      }
      if (ids.size > 1) throw new SynapseError(500, 'Multiple device IDs in scope', 'M_FORBIDDEN');
      deviceId = ids.values().next().value ?? null;
    }
    if (deviceId !== null) {
      if (deviceId.length > 255 || deviceId.length < 1)
        throw new SynapseError(500, 'Invalid device ID in introspection result', 'M_FORBIDDEN');
      if (!user.devices.has(deviceId)) {
        mas.forget(token);
        throw unknownToken('Token is not active');
      }
    }
    return { userId, deviceId, scope };
  }

  /** `assert_requester_is_admin` / `assert_user_is_admin` */
  async requireAdmin(ctx: RequestContext, requestId: string): Promise<Requester> {
    const requester = await this.getUserByReq(ctx, requestId);
    if (!requester.scope.has(SCOPE_SYNAPSE_ADMIN))
      throw new SynapseError(403, 'You are not a server admin', 'M_FORBIDDEN');
    return requester;
  }

  /** `UserID.from_string` + `is_mine` */
  parseUserId(userId: string): { localpart: string; domain: string } {
    if (!userId.startsWith('@'))
      throw new SynapseError(400, "Expected UserID string to start with '@'", 'M_INVALID_PARAM');
    const i = userId.indexOf(':');
    if (i < 0)
      throw new SynapseError(400, "Expected UserID of the form '@localname:domain'", 'M_INVALID_PARAM');
    return { localpart: userId.slice(1, i), domain: userId.slice(i + 1) };
  }

  isMine(userId: string): boolean {
    return this.parseUserId(userId).domain === this.serverName;
  }

  /** `AdminHandler.get_user` */
  userInfo(user: SynapseUser): Record<string, unknown> {
    return {
      name: user.userId,
      admin: user.admin,
      deactivated: user.deactivated,
      locked: user.locked,
      shadow_banned: user.shadowBanned,
      creation_ts: Math.floor(user.creationTs / 1000),
      appservice_id: null,
      consent_server_notice_sent: null,
      consent_version: null,
      consent_ts: null,
      user_type: user.userType,
      is_guest: user.isGuest,
      suspended: user.suspended,
      displayname: user.displayname,
      avatar_url: user.avatarUrl,
      threepids: user.threepids.map((t) => ({ ...t })),
      external_ids: user.externalIds.map((e) => ({ ...e })),
      erased: user.erased,
      last_seen_ts: user.lastSeenTs,
    };
  }
}

const REDIRECT_HTML = `
<html>
    <head>
        <meta http-equiv="refresh" content="0;URL=/_matrix/static">
    </head>
    <body bgcolor="#FFFFFF" text="#000000">
    <a href="/_matrix/static">click here</a>
    </body>
</html>
`;

/** For servers that refuse to start: no answer at all, the connection is dropped. */
export function refusingRouter(): Router {
  return new Router('synapse').on([...ALL_METHODS, 'OPTIONS', 'HEAD'], '*rest', 'other', (ctx) => {
    (ctx.req.socket as http.IncomingMessage['socket']).destroy();
    return { status: 503 };
  });
}
