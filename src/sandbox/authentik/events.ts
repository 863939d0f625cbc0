import type { SandboxLog } from '../log.js';
import type { RequestContext } from '../http/server.js';
import { randomUuid } from './ids.js';
import {
  addYear,
  ANONYMOUS_USER,
  defaultEventApp,
  nowIso,
  type EventRec,
  type Store,
  type UserRec,
} from './model.js';

/**
 * Records Authentik events (`/api/v3/events/events/`) and the log lines Authentik prints for
 * them (structlog JSON, logger `authentik.events.models`, "Created Event").
 */
export class Events {
  constructor(
    private readonly store: Store,
    private readonly log: SandboxLog,
  ) {}

  /** `http_request` as Authentik stores it: the executor's `query` arg, path and method */
  static httpRequest(ctx: RequestContext): Record<string, unknown> {
    const args: Record<string, string> = {};
    for (const [k, v] of ctx.query) args[k] = v;
    return { args, path: ctx.url.pathname, method: ctx.method };
  }

  record(
    action: string,
    context: Record<string, unknown>,
    opts: { user?: UserRec | null; ctx?: RequestContext; app?: string } = {},
  ): EventRec {
    const created = nowIso();
    const full = opts.ctx ? { ...context, http_request: Events.httpRequest(opts.ctx) } : context;
    const event: EventRec = {
      pk: randomUuid(),
      user: opts.user ? this.store.eventUser(opts.user) : { ...ANONYMOUS_USER },
      action,
      app: opts.app ?? defaultEventApp(action),
      context: full,
      client_ip: opts.ctx ? clientIp(opts.ctx) : null,
      created,
      expires: addYear(created),
      brand: this.store.brandRef(),
    };
    this.store.data.events.push(event);
    // Authentik keeps events for a year; the sandbox keeps the newest 100 000
    if (this.store.data.events.length > 100_000) this.store.data.events.splice(0, 10_000);
    const level = action === 'configuration_error' || action.endsWith('_exception') ? 'WARN' : 'INFO';
    this.line(level, 'authentik.events.models', 'Created Event', {
      action,
      client_ip: event.client_ip,
      context: full,
      user: event.user,
    });
    return event;
  }

  /** a structlog-style JSON line, as `ak server` prints them */
  line(
    level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR',
    logger: string,
    event: string,
    fields: Record<string, unknown> = {},
  ): void {
    const text = JSON.stringify({
      ...fields,
      event,
      level: { DEBUG: 'debug', INFO: 'info', WARN: 'warning', ERROR: 'error' }[level],
      logger,
      timestamp: new Date().toISOString(),
    });
    this.log.write('authentik', level, logger, event, text);
  }
}

export function clientIp(ctx: RequestContext): string {
  const forwarded = ctx.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || ctx.req.socket.remoteAddress?.replace(/^::ffff:/, '') || '127.0.0.1';
}

/** Authentik's `sanitize_item` of a model instance, as used in event contexts. */
export function modelRef(
  app: string,
  modelName: string,
  pk: string | number,
  name: string,
): Record<string, unknown> {
  return { pk: typeof pk === 'string' ? pk.replace(/-/g, '') : pk, app, name, model_name: modelName };
}

/** Django's cleanse_dict: values of keys that look like secrets are replaced */
export function cleanse(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = /api|token|key|secret|password|signature/i.test(k) ? '********************' : v;
  }
  return out;
}
