import { json, type RequestContext, type Router } from '../../http/server.js';
import { applyBlueprint } from '../blueprint.js';
import type { Ak } from '../context.js';
import { normalizeUuid } from '../ids.js';
import { nowIso, type BlueprintRec, type EventRec, type PolicyBindingRec } from '../model.js';
import * as S from '../serialize.js';
import { ValidationFailed, validateOrThrow, type FieldSpec } from '../validate.js';
import {
  badRequest,
  boolParam,
  byUuid,
  eq,
  notFound,
  order,
  paginate,
  route,
  search,
  applyFilters,
  type Filters,
} from './common.js';
import { registerResource, type Resource } from './resource.js';

// --- events ----------------------------------------------------------------------------------

const ctxModel = (e: EventRec) => (e.context.model ?? {}) as Record<string, unknown>;
const stripDashes = (v: unknown) =>
  String(v ?? '')
    .replace(/-/g, '')
    .toLowerCase();

export const EVENT_FILTERS: Filters<EventRec> = {
  action: (e, [v]) => e.action.toLowerCase().includes(v!.toLowerCase()),
  actions: (e, values) => values.includes(e.action),
  username: (e, [v]) => e.user.username === v,
  client_ip: eq((e) => e.client_ip),
  brand_name: (e, [v]) =>
    String(e.brand.name ?? '')
      .toLowerCase()
      .includes(v!.toLowerCase()),
  context_authorized_app: (e, [v]) =>
    stripDashes((e.context.authorized_application as Record<string, unknown> | undefined)?.pk) ===
    stripDashes(v),
  context_model_app: (e, [v]) => ctxModel(e).app === v,
  context_model_name: (e, [v]) => ctxModel(e).model_name === v,
  context_model_pk: (e, [v]) => stripDashes(ctxModel(e).pk) === stripDashes(v),
};

function registerEvents(router: Router, ak: Ak): void {
  const events = () => ak.store.data.events;
  route(router, ak, 'GET', '/events/events/actions/', () =>
    json(
      200,
      [
        'login',
        'login_failed',
        'logout',
        'user_write',
        'authorize_application',
        'configuration_error',
        'model_created',
      ].map((a) => ({ name: a, description: a, component: a, model_name: '' })),
    ),
  );
  route(router, ak, 'GET', '/events/events/', (ctx) => {
    let items = applyFilters(events(), ctx.query, EVENT_FILTERS);
    items = search(items, ctx.query.get('search'), (e) => [e.action, e.user.username, e.app, e.client_ip]);
    return paginate(
      order(
        items.map((e) => ({ ...e })),
        ctx.query.get('ordering'),
        '-created',
      ),
      ctx.query,
    );
  });
  route(router, ak, 'GET', '/events/events/:event_uuid/', (ctx) => {
    let pk = '';
    try {
      pk = normalizeUuid(ctx.params.event_uuid!);
    } catch {
      return notFound('Event');
    }
    const e = events().find((x) => x.pk === pk);
    return e ? json(200, e) : notFound('Event');
  });
}

// --- policy bindings -------------------------------------------------------------------------

export function policyBindingsResource(ak: Ak): Resource<PolicyBindingRec> {
  const { store } = ak;
  const d = () => store.data;
  const fields = (): Record<string, FieldSpec> => ({
    policy: { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in d().policies },
    group: { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in d().groups },
    user: { kind: 'int-ref', nullable: true, exists: (pk) => pk in d().users },
    target: {
      kind: 'uuid-ref',
      required: true,
      exists: (pk) => pk in d().applications || pk in d().flows || pk in d().bindings,
    },
    negate: { kind: 'bool' },
    enabled: { kind: 'bool' },
    order: { kind: 'int', required: true },
    timeout: { kind: 'int' },
    failure_result: { kind: 'bool' },
  });
  const apply = (b: PolicyBindingRec, v: Record<string, unknown>) => {
    const next = { ...b, ...v };
    const set = [next.policy, next.group, next.user].filter((x) => x !== null && x !== undefined).length;
    if (set !== 1)
      throw new ValidationFailed({
        non_field_errors: ["Only one of 'policy', 'group' or 'user' can be set."],
      });
    Object.assign(b, v);
    return b;
  };
  return {
    path: '/policies/bindings/',
    param: 'policy_binding_uuid',
    model: 'PolicyBinding',
    blueprintModel: 'authentik_policies.policybinding',
    eventModel: { app: 'authentik_policies', model_name: 'policybinding' },
    all: () => Object.values(d().policyBindings),
    find: (id) => byUuid(d().policyBindings, id),
    show: (b) => S.policyBinding(store, b),
    key: (b) => b.pk,
    label: (b) => `Binding from ${b.target} #${b.order}`,
    ordering: 'order',
    searchFields: (b) => [b.target, b.policy, b.group, b.user],
    filters: {
      target: eq((b) => b.target),
      target_in: (b, values) => values.flatMap((v) => v.split(',')).includes(b.target),
      policy: eq((b) => b.policy),
      policy__isnull: (b, [v]) => (b.policy === null) === boolParam(v!),
      enabled: eq((b) => b.enabled),
      order: eq((b) => b.order),
      timeout: eq((b) => b.timeout),
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const b: PolicyBindingRec = {
        pk: store.newUuid(),
        target: '',
        policy: null,
        group: null,
        user: null,
        negate: false,
        enabled: true,
        order: 0,
        timeout: 30,
        failure_result: false,
      };
      apply(b, v);
      d().policyBindings[b.pk] = b;
      return b;
    },
    update(b, body, partial) {
      return apply(b, validateOrThrow(body, fields(), partial));
    },
    destroy(b) {
      delete d().policyBindings[b.pk];
    },
  };
}

// --- blueprints ------------------------------------------------------------------------------

function parseMultipart(ctx: RequestContext, raw: Buffer): Record<string, string> {
  const type = String(ctx.headers['content-type'] ?? '');
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) return {};
  const sep = `--${boundary[1] ?? boundary[2]}`;
  const out: Record<string, string> = {};
  for (const part of raw.toString('utf8').split(sep)) {
    const i = part.indexOf('\r\n\r\n');
    if (i < 0) continue;
    const head = part.slice(0, i);
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (name) out[name] = part.slice(i + 4).replace(/\r\n$/, '');
  }
  return out;
}

function registerBlueprints(router: Router, ak: Ak, resources: Map<string, Resource<unknown>>): void {
  const { store } = ak;
  const fields: Record<string, FieldSpec> = {
    name: { kind: 'string', required: true },
    path: { kind: 'string', allowBlank: true },
    context: { kind: 'json' },
    enabled: { kind: 'bool' },
    content: { kind: 'string', allowBlank: true },
  };
  const run = (b: BlueprintRec) => {
    if (!b.content) {
      b.status = 'error';
      b.last_applied = nowIso();
      return;
    }
    const r = applyBlueprint(ak, resources, b.content, b.context);
    b.status = r.success ? 'successful' : 'error';
    b.last_applied = nowIso();
    b.last_applied_hash = r.hash;
    b.managed_models = r.models;
    b.metadata = r.metadata;
    for (const l of r.logs)
      ak.events.line(l.log_level === 'error' ? 'ERROR' : 'INFO', l.logger, l.event, l.attributes);
  };
  const resource: Resource<BlueprintRec> = {
    path: '/managed/blueprints/',
    param: 'instance_uuid',
    model: 'BlueprintInstance',
    eventModel: { app: 'authentik_blueprints', model_name: 'blueprintinstance' },
    all: () => Object.values(store.data.blueprints),
    find: (id) => byUuid(store.data.blueprints, id),
    show: (b) => S.blueprint(b),
    key: (b) => b.pk,
    label: (b) => b.name,
    ordering: 'name',
    searchFields: (b) => [b.name, b.path],
    filters: { name: eq((b) => b.name), path: eq((b) => b.path) },
    create(body) {
      const v = validateOrThrow(body, fields, false);
      const b: BlueprintRec = {
        pk: store.newUuid(),
        name: '',
        path: '',
        context: {},
        last_applied: nowIso(),
        last_applied_hash: '',
        status: 'unknown',
        enabled: true,
        managed_models: [],
        metadata: {},
        content: '',
        ...(v as Partial<BlueprintRec>),
      };
      if (b.path && !b.content)
        throw new ValidationFailed({ path: ['Blueprint files are not emulated; use content.'] });
      store.data.blueprints[b.pk] = b;
      return b;
    },
    update(b, body, partial) {
      Object.assign(b, validateOrThrow(body, fields, partial));
      return b;
    },
    destroy(b) {
      delete store.data.blueprints[b.pk];
    },
  };
  route(router, ak, 'GET', '/managed/blueprints/available/', () => json(200, []));
  route(router, ak, 'POST', '/managed/blueprints/import/', async (ctx) => {
    const form = parseMultipart(ctx, await ctx.body());
    if (!form.file) return badRequest({ file: ['No file was submitted.'] });
    let context: Record<string, unknown> = {};
    if (form.context) {
      try {
        context = JSON.parse(form.context) as Record<string, unknown>;
      } catch {
        return badRequest({ context: ['Value must be valid JSON.'] });
      }
    }
    const r = applyBlueprint(ak, resources, form.file, context);
    return json(200, { logs: r.logs, success: r.success });
  });
  route(router, ak, 'POST', '/managed/blueprints/:instance_uuid/apply/', (ctx) => {
    const b = resource.find(ctx.params.instance_uuid!);
    if (!b) return notFound('BlueprintInstance');
    run(b);
    return json(200, S.blueprint(b));
  });
  registerResource(router, ak, resource);
}

export function registerMisc(router: Router, ak: Ak, resources: Map<string, Resource<unknown>>): void {
  route(router, ak, 'GET', '/admin/version/', () =>
    json(200, {
      version_current: ak.store.section.version,
      version_latest: ak.store.section.version,
      version_latest_valid: true,
      build_hash: '',
      outdated: false,
      outpost_outdated: false,
    }),
  );
  registerEvents(router, ak);
  registerBlueprints(router, ak, resources);
}
