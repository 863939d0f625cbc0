import { json, type Router } from '../../http/server.js';
import type { Ak } from '../context.js';
import { nowIso, type ApplicationRec, type BrandRec, type GroupRec, type UserRec } from '../model.js';
import { evaluateBindings } from '../policy.js';
import { ENUMS } from '../scenario.js';
import * as S from '../serialize.js';
import { assignFields, ValidationFailed, validateOrThrow, type FieldSpec } from '../validate.js';
import {
  API,
  badRequest,
  boolParam,
  byUuid,
  eq,
  noContent,
  notFound,
  readJson,
  route,
  SLUG,
  SLUG_MESSAGE,
} from './common.js';
import type { Resource } from './resource.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function uniqueError(field: string, message: string): never {
  throw new ValidationFailed({ [field]: [message] });
}

/** `<field>__gt` / `<field>__lt` (and exact) date filters, as django-filter declares them */
function dateFilters<T>(
  fields: Record<string, (item: T) => string | null>,
): Record<string, (item: T, values: string[]) => boolean> {
  const out: Record<string, (item: T, values: string[]) => boolean> = {};
  const at = (v: string) => Date.parse(v);
  for (const [name, get] of Object.entries(fields)) {
    out[name] = (item, [v]) => get(item) !== null && at(get(item)!) === at(v!);
    out[`${name}__gt`] = (item, [v]) => get(item) !== null && at(get(item)!) > at(v!);
    out[`${name}__lt`] = (item, [v]) => get(item) !== null && at(get(item)!) < at(v!);
  }
  return out;
}

// --- users -----------------------------------------------------------------------------------

export function usersResource(ak: Ak): Resource<UserRec> {
  const { store } = ak;
  const fields = (): Record<string, FieldSpec> => ({
    username: {
      kind: 'string',
      required: true,
      maxLength: 150,
      pattern: /^[\w.@+-]+$/,
      patternMessage:
        'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    },
    name: { kind: 'string', required: true, allowBlank: true },
    is_active: { kind: 'bool' },
    last_login: { kind: 'datetime', nullable: true },
    groups: { kind: 'uuid-ref[]', exists: (pk) => pk in store.data.groups },
    email: {
      kind: 'string',
      allowBlank: true,
      maxLength: 254,
      pattern: EMAIL,
      patternMessage: 'Enter a valid email address.',
    },
    attributes: { kind: 'json' },
    path: { kind: 'string', allowBlank: true },
    type: { kind: 'choice', choices: ENUMS.userType },
  });
  const apply = (u: UserRec, v: Record<string, unknown>) => {
    if (v.username !== undefined && v.username !== u.username && store.userByName(v.username as string))
      uniqueError('username', 'A user with that username already exists.');
    assignFields(u, v, [
      'username',
      'name',
      'is_active',
      'last_login',
      'groups',
      'email',
      'attributes',
      'path',
      'type',
    ]);
    u.last_updated = nowIso();
    return u;
  };
  return {
    path: '/core/users/',
    param: 'id',
    model: 'User',
    blueprintModel: 'authentik_core.user',
    eventModel: { app: 'authentik_core', model_name: 'user' },
    all: () => Object.values(store.data.users),
    find: (id) => (/^\d+$/.test(id) ? store.data.users[Number(id)] : undefined),
    show: (u) => S.user(store, u),
    key: (u) => u.pk,
    label: (u) => u.username,
    ordering: 'username',
    searchFields: (u) => [u.username, u.name, u.email],
    filters: {
      username: eq((u) => u.username),
      email: eq((u) => u.email),
      name: eq((u) => u.name),
      is_active: eq((u) => u.is_active),
      is_superuser: eq((u) => store.isSuperuser(u)),
      type: (u, values) => values.includes(u.type),
      uuid: eq((u) => u.uuid),
      path: eq((u) => u.path),
      path_startswith: (u, [v]) => u.path.startsWith(v!),
      groups_by_name: (u, values) => store.groupsOf(u).some((g) => values.includes(g.name)),
      groups_by_pk: (u, values) => u.groups.some((g) => values.map((v) => v.toLowerCase()).includes(g)),
      last_login__isnull: (u, [v]) => (u.last_login === null) === boolParam(v!),
      ...dateFilters<UserRec>({
        date_joined: (u) => u.date_joined,
        last_login: (u) => u.last_login,
        last_updated: (u) => u.last_updated,
      }),
      attributes: (u, [v]) => {
        try {
          const wanted = JSON.parse(v!) as Record<string, unknown>;
          return Object.entries(wanted).every(
            ([k, x]) => JSON.stringify(u.attributes[k]) === JSON.stringify(x),
          );
        } catch {
          throw new ValidationFailed({ attributes: ['filter: failed to parse JSON'] });
        }
      },
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const now = nowIso();
      const u: UserRec = {
        pk: store.nextUserPk(),
        uuid: store.newUuid(),
        username: '',
        name: '',
        email: '',
        is_active: true,
        groups: [],
        password: null,
        type: 'internal',
        path: 'users',
        attributes: {},
        date_joined: now,
        last_login: null,
        last_updated: now,
        password_change_date: now,
      };
      apply(u, v);
      store.data.users[u.pk] = u;
      return u;
    },
    update(u, body, partial) {
      return apply(u, validateOrThrow(body, fields(), partial));
    },
    destroy(u) {
      delete store.data.users[u.pk];
      for (const b of Object.values(store.data.policyBindings))
        if (b.user === u.pk) delete store.data.policyBindings[b.pk];
    },
  };
}

// --- groups ----------------------------------------------------------------------------------

export function groupsResource(ak: Ak): Resource<GroupRec> {
  const { store } = ak;
  const fields = (): Record<string, FieldSpec> => ({
    name: { kind: 'string', required: true },
    is_superuser: { kind: 'bool' },
    parents: { kind: 'uuid-ref[]', exists: (pk) => pk in store.data.groups },
    users: { kind: 'int-ref[]', exists: (pk) => pk in store.data.users },
    attributes: { kind: 'json' },
    roles: { kind: 'string[]' },
  });
  const apply = (g: GroupRec, v: Record<string, unknown>) => {
    if (
      v.name !== undefined &&
      Object.values(store.data.groups).some((o) => o.name === v.name && o.pk !== g.pk)
    )
      uniqueError('name', 'Group with this name already exists.');
    assignFields(g, v, ['name', 'is_superuser', 'parents', 'attributes']);
    if (Array.isArray(v.users)) {
      const members = new Set(v.users as number[]);
      for (const u of Object.values(store.data.users)) {
        const has = u.groups.includes(g.pk);
        if (members.has(u.pk) && !has) u.groups.push(g.pk);
        if (!members.has(u.pk) && has) u.groups = u.groups.filter((x) => x !== g.pk);
      }
    }
    return g;
  };
  return {
    path: '/core/groups/',
    param: 'group_uuid',
    model: 'Group',
    blueprintModel: 'authentik_core.group',
    eventModel: { app: 'authentik_core', model_name: 'group' },
    all: () => Object.values(store.data.groups),
    find: (id) => byUuid(store.data.groups, id),
    show: (g) => S.group(store, g),
    key: (g) => g.pk,
    label: (g) => g.name,
    ordering: 'name',
    searchFields: (g) => [g.name],
    filters: {
      name: eq((g) => g.name),
      is_superuser: eq((g) => g.is_superuser),
      members_by_username: (g, values) =>
        Object.values(store.data.users).some((u) => u.groups.includes(g.pk) && values.includes(u.username)),
      members_by_pk: (g, values) =>
        Object.values(store.data.users).some((u) => u.groups.includes(g.pk) && values.includes(String(u.pk))),
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const g: GroupRec = {
        pk: store.newUuid(),
        num_pk: store.nextGroupNumPk(),
        name: '',
        is_superuser: false,
        parents: [],
        attributes: {},
      };
      store.data.groups[g.pk] = g;
      return apply(g, v);
    },
    update(g, body, partial) {
      return apply(g, validateOrThrow(body, fields(), partial));
    },
    destroy(g) {
      delete store.data.groups[g.pk];
      for (const u of Object.values(store.data.users)) u.groups = u.groups.filter((x) => x !== g.pk);
      for (const o of Object.values(store.data.groups)) o.parents = o.parents.filter((x) => x !== g.pk);
      for (const b of Object.values(store.data.policyBindings))
        if (b.group === g.pk) delete store.data.policyBindings[b.pk];
    },
  };
}

// --- applications ----------------------------------------------------------------------------

export function applicationsResource(ak: Ak): Resource<ApplicationRec> {
  const { store } = ak;
  const fields = (): Record<string, FieldSpec> => ({
    name: { kind: 'string', required: true },
    slug: { kind: 'string', required: true, pattern: SLUG, patternMessage: SLUG_MESSAGE },
    provider: { kind: 'int-ref', nullable: true, exists: (pk) => pk in store.data.providers },
    backchannel_providers: { kind: 'int-ref[]', exists: (pk) => pk in store.data.providers },
    open_in_new_tab: { kind: 'bool' },
    meta_launch_url: { kind: 'string', allowBlank: true },
    meta_icon: { kind: 'string', allowBlank: true },
    meta_description: { kind: 'string', allowBlank: true },
    meta_publisher: { kind: 'string', allowBlank: true },
    policy_engine_mode: { kind: 'choice', choices: ENUMS.engineMode },
    group: { kind: 'string', allowBlank: true },
    meta_hide: { kind: 'bool' },
  });
  const apply = (a: ApplicationRec, v: Record<string, unknown>) => {
    if (
      v.slug !== undefined &&
      Object.values(store.data.applications).some((o) => o.slug === v.slug && o.pk !== a.pk)
    )
      uniqueError('slug', 'Application with this slug already exists.');
    if (
      v.provider !== undefined &&
      v.provider !== null &&
      Object.values(store.data.applications).some((o) => o.provider === v.provider && o.pk !== a.pk)
    )
      uniqueError('provider', 'Application with this provider already exists.');
    return assignFields(
      a,
      v,
      Object.keys(fields()).filter((k) => k !== 'backchannel_providers'),
    );
  };
  return {
    path: '/core/applications/',
    param: 'slug',
    model: 'Application',
    blueprintModel: 'authentik_core.application',
    eventModel: { app: 'authentik_core', model_name: 'application' },
    all: () => Object.values(store.data.applications),
    find: (slug) => store.applicationBySlug(slug),
    show: (a) => S.application(store, a),
    key: (a) => a.pk,
    label: (a) => a.name,
    ordering: 'name',
    searchFields: (a) => [a.name, a.slug, a.meta_publisher, a.meta_description, a.group],
    filters: {
      slug: eq((a) => a.slug),
      name: eq((a) => a.name),
      group: eq((a) => a.group),
      meta_launch_url: eq((a) => a.meta_launch_url),
      meta_description: eq((a) => a.meta_description),
      meta_publisher: eq((a) => a.meta_publisher),
      only_with_launch_url: (a, [v]) => !boolParam(v!) || a.meta_launch_url !== '',
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const a: ApplicationRec = {
        pk: store.newUuid(),
        name: '',
        slug: '',
        provider: null,
        policy_engine_mode: 'any',
        open_in_new_tab: false,
        meta_launch_url: '',
        meta_icon: '',
        meta_description: '',
        meta_publisher: '',
        group: '',
        meta_hide: false,
      };
      apply(a, v);
      store.data.applications[a.pk] = a;
      return a;
    },
    update(a, body, partial) {
      return apply(a, validateOrThrow(body, fields(), partial));
    },
    destroy(a) {
      delete store.data.applications[a.pk];
      for (const b of Object.values(store.data.policyBindings))
        if (b.target === a.pk) delete store.data.policyBindings[b.pk];
    },
  };
}

// --- brands ----------------------------------------------------------------------------------

export function brandsResource(ak: Ak): Resource<BrandRec> {
  const { store } = ak;
  const flowRef: FieldSpec = { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in store.data.flows };
  const fields = (): Record<string, FieldSpec> => ({
    domain: { kind: 'string', required: true },
    default: { kind: 'bool' },
    branding_title: { kind: 'string', allowBlank: true },
    branding_logo: { kind: 'string', allowBlank: true },
    branding_favicon: { kind: 'string', allowBlank: true },
    flow_authentication: flowRef,
    flow_invalidation: flowRef,
    flow_recovery: flowRef,
    flow_unenrollment: flowRef,
    flow_user_settings: flowRef,
    flow_device_code: flowRef,
    default_application: {
      kind: 'uuid-ref',
      nullable: true,
      exists: (pk) => pk in store.data.applications,
    },
    attributes: { kind: 'json' },
  });
  const apply = (b: BrandRec, v: Record<string, unknown>) => {
    return assignFields(b, v, Object.keys(fields()));
  };
  return {
    path: '/core/brands/',
    param: 'brand_uuid',
    model: 'Brand',
    blueprintModel: 'authentik_brands.brand',
    eventModel: { app: 'authentik_brands', model_name: 'brand' },
    all: () => Object.values(store.data.brands),
    find: (id) => byUuid(store.data.brands, id),
    show: (b) => S.brand(b),
    key: (b) => b.brand_uuid,
    label: (b) => b.domain,
    ordering: 'domain',
    searchFields: (b) => [b.domain, b.branding_title],
    filters: {
      domain: eq((b) => b.domain),
      default: eq((b) => b.default),
      branding_title: eq((b) => b.branding_title),
      flow_authentication: eq((b) => b.flow_authentication),
      flow_invalidation: eq((b) => b.flow_invalidation),
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const b: BrandRec = {
        brand_uuid: store.newUuid(),
        domain: '',
        default: false,
        branding_title: 'authentik',
        branding_logo: '',
        branding_favicon: '',
        flow_authentication: null,
        flow_invalidation: null,
        flow_recovery: null,
        flow_unenrollment: null,
        flow_user_settings: null,
        flow_device_code: null,
        default_application: null,
        attributes: {},
      };
      apply(b, v);
      store.data.brands[b.brand_uuid] = b;
      return b;
    },
    update(b, body, partial) {
      return apply(b, validateOrThrow(body, fields(), partial));
    },
    destroy(b) {
      delete store.data.brands[b.brand_uuid];
    },
  };
}

// --- routes ----------------------------------------------------------------------------------

/** Routes beyond the model viewsets; registered before them so `me/` is not taken for an id. */
export function registerCore(router: Router, ak: Ak): void {
  const { store } = ak;

  route(
    router,
    ak,
    'GET',
    '/core/users/me/',
    (_ctx, user) => json(200, { user: S.userSelf(store, user), users: [S.userSelf(store, user)] }),
    {
      superuser: false,
    },
  );
  route(router, ak, 'POST', '/core/users/:id/set_password/', async (ctx) => {
    const u = /^\d+$/.test(ctx.params.id!) ? store.data.users[Number(ctx.params.id)] : undefined;
    if (!u) return notFound('User');
    const v = validateOrThrow(await readJson(ctx), { password: { kind: 'string', required: true } }, false);
    u.password = v.password as string;
    u.password_change_date = nowIso();
    ak.events.record('password_set', {}, { user: u, ctx });
    return noContent();
  });
  for (const action of ['add_user', 'remove_user'] as const) {
    route(router, ak, 'POST', `/core/groups/:group_uuid/${action}/`, async (ctx) => {
      const g = byUuid(store.data.groups, ctx.params.group_uuid!);
      if (!g) return notFound('Group');
      const v = validateOrThrow(await readJson(ctx), { pk: { kind: 'int', required: true } }, false);
      const u = store.data.users[v.pk as number];
      if (!u) return badRequest({ pk: ['User does not exist'] });
      if (action === 'add_user' && !u.groups.includes(g.pk)) u.groups.push(g.pk);
      if (action === 'remove_user') u.groups = u.groups.filter((x) => x !== g.pk);
      return noContent();
    });
  }
  route(router, ak, 'GET', '/core/applications/:slug/check_access/', (ctx, user) => {
    const app = store.applicationBySlug(ctx.params.slug!);
    if (!app) return notFound('Application');
    let forUser = user;
    const raw = ctx.query.get('for_user');
    if (raw !== null) {
      if (!/^\d+$/.test(raw)) return badRequest({ for_user: 'for_user must be numerical' });
      const u = store.data.users[Number(raw)];
      if (!u) return badRequest({ for_user: 'User not found' });
      forUser = u;
    }
    const result = evaluateBindings(store, ak.events, app.pk, app.policy_engine_mode, forUser, ctx);
    return json(200, { passing: result.passing, messages: result.messages, log_messages: [] });
  });
  // AllowAny in Authentik: the login page reads it before anyone is authenticated
  router.on('GET', '/api/v3/core/brands/current/', API, (ctx) => {
    const host = ctx.headers.host ?? '';
    return json(200, S.currentBrand(store, store.brandFor(host), host));
  });
}
