import type { Reply, RequestContext, Router } from '../../http/server.js';
import type { MasApp, Req } from '../app.js';
import type { ResourceName } from '../config/types.js';
import { MasError, RouteFailure } from '../errors.js';

export type MasHandler = (req: Req) => Promise<Reply> | Reply;

/**
 * Fault-injection groups of the emulated MAS (see docs/sandbox-mas.md):
 * `human` pages and the upstream sign-in, `oauth` (discovery, authorize, token, introspect,
 * keys, registration, userinfo), `compat`, `adminapi`, `health`, and `sandbox` (control).
 */
export type FaultGroup = 'human' | 'oauth' | 'compat' | 'adminapi' | 'health' | 'sandbox';

/**
 * Registers a MAS route. While MAS "refuses to start" every route answers 503; a route whose
 * listener resource (`http.listeners[].resources`) is not configured answers 404, as MAS
 * simply does not mount it.
 */
export function mount(
  router: Router,
  app: MasApp,
  methods: string | string[],
  pattern: string,
  group: FaultGroup,
  resource: ResourceName,
  handler: MasHandler,
): void {
  router.on(methods, pattern, group, async (ctx: RequestContext): Promise<Reply> => {
    if (!app.running) return app.unavailable();
    if (!app.serves(resource)) return { status: 404, body: '' };
    const req: Req = { ctx, log: app.logger.context(ctx.method), setCookies: [] };
    let reply: Reply;
    try {
      reply = await handler(req);
    } catch (err) {
      if (err instanceof RouteFailure) reply = app.failure(req, err);
      else if (err instanceof MasError) reply = app.failure(req, new RouteFailure(err, 'internal', 500));
      else throw err;
    }
    if (req.setCookies.length) {
      const existing = reply.headers?.['set-cookie'];
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      reply = { ...reply, headers: { ...(reply.headers ?? {}), 'set-cookie': [...list, ...req.setCookies] } };
    }
    return reply;
  });
}
