import { json, type RequestContext, type Router } from '../../http/server.js';
import type { Ak } from '../context.js';
import type { UserRec } from '../model.js';
import {
  applyFilters,
  noContent,
  notFound,
  order,
  paginate,
  readJson,
  route,
  search,
  type Filters,
} from './common.js';

/**
 * A collection of the API v3 with Django REST framework's model viewset behaviour: list
 * (filters, search, ordering, pagination), create, retrieve, update, partial update, destroy.
 * The same create/update functions serve blueprints, so both paths validate alike.
 */
export interface Resource<T> {
  /** path under /api/v3, e.g. `/core/users/` */
  path: string;
  /** detail route parameter, e.g. `id`, `slug`, `stage_uuid` */
  param: string;
  /** Django object name used in 404 bodies (`No User matches the given query.`) */
  model: string;
  /** blueprint model (`app_label.modelname`) */
  blueprintModel?: string;
  /** `{app, model_name}` of model_* events */
  eventModel: { app: string; model_name: string };
  all(): T[];
  find(id: string): T | undefined;
  show(item: T): Record<string, unknown>;
  key(item: T): string | number;
  label(item: T): string;
  filters?: Filters<T>;
  searchFields?: (item: T) => unknown[];
  ordering: string;
  create?(body: unknown, user: UserRec | null): T;
  update?(item: T, body: unknown, partial: boolean, user: UserRec | null): T;
  destroy?(item: T): void;
}

export function modelEvent<T>(
  ak: Ak,
  r: Resource<T>,
  action: 'model_created' | 'model_updated' | 'model_deleted',
  item: T,
  user: UserRec,
  ctx: RequestContext,
): void {
  const key = r.key(item);
  ak.events.record(
    action,
    {
      model: {
        pk: typeof key === 'string' ? key.replace(/-/g, '') : key,
        app: r.eventModel.app,
        name: r.label(item),
        model_name: r.eventModel.model_name,
      },
    },
    { user, ctx, app: 'authentik.events.middleware' },
  );
}

export function registerResource<T>(router: Router, ak: Ak, r: Resource<T>): void {
  route(router, ak, 'GET', r.path, (ctx) => {
    let items = r.all();
    if (r.filters) items = applyFilters(items, ctx.query, r.filters);
    if (r.searchFields) items = search(items, ctx.query.get('search'), r.searchFields);
    const shown = order(
      items.map((i) => r.show(i)),
      ctx.query.get('ordering'),
      r.ordering,
    );
    return paginate(shown, ctx.query);
  });
  if (r.create) {
    const create = r.create.bind(r);
    route(router, ak, 'POST', r.path, async (ctx, user) => {
      const body = await readJson(ctx);
      const item = ak.store.transaction(() => create(body, user));
      modelEvent(ak, r, 'model_created', item, user, ctx);
      return json(201, r.show(item));
    });
  }
  const detailPath = `${r.path}:${r.param}/`;
  route(router, ak, 'GET', detailPath, (ctx) => {
    const item = r.find(ctx.params[r.param]!);
    return item === undefined ? notFound(r.model) : json(200, r.show(item));
  });
  if (r.update) {
    const update = r.update.bind(r);
    for (const method of ['PUT', 'PATCH']) {
      route(router, ak, method, detailPath, async (ctx, user) => {
        const item = r.find(ctx.params[r.param]!);
        if (item === undefined) return notFound(r.model);
        const body = await readJson(ctx);
        const updated = ak.store.transaction(() => update(item, body, method === 'PATCH', user));
        modelEvent(ak, r, 'model_updated', updated, user, ctx);
        return json(200, r.show(updated));
      });
    }
  }
  if (r.destroy) {
    const destroy = r.destroy.bind(r);
    route(router, ak, 'DELETE', detailPath, (ctx, user) => {
      const item = r.find(ctx.params[r.param]!);
      if (item === undefined) return notFound(r.model);
      ak.store.transaction(() => destroy(item));
      modelEvent(ak, r, 'model_deleted', item, user, ctx);
      return noContent();
    });
  }
}
