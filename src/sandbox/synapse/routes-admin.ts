import { queryBoolean, queryInteger, readJsonObject } from './body.js';
import { notFound, synapseJson, SynapseError } from './errors.js';
import type { Homeserver } from './homeserver.js';
import { checkUsername } from './routes-mas.js';
import type { SynapseUser } from './store.js';

const ORDER_BY = [
  'name',
  'displayname',
  'is_guest',
  'admin',
  'deactivated',
  'user_type',
  'avatar_url',
  'shadow_banned',
  'creation_ts',
  'last_seen_ts',
  'locked',
] as const;

function listEntry(u: SynapseUser): Record<string, unknown> {
  return {
    name: u.userId,
    user_type: u.userType,
    is_guest: u.isGuest,
    admin: u.admin,
    deactivated: u.deactivated,
    shadow_banned: u.shadowBanned,
    displayname: u.displayname,
    avatar_url: u.avatarUrl,
    creation_ts: Math.floor(u.creationTs / 1000) * 1000,
    // Synapse 1.160 means to hide `approved` unless MSC3866 is on, but its filter is never applied
    approved: true,
    erased: u.erased,
    last_seen_ts: u.lastSeenTs,
    locked: u.locked,
  };
}

function sortValue(u: SynapseUser, key: (typeof ORDER_BY)[number]): string | number | boolean | null {
  const e = listEntry(u);
  return key === 'name' ? u.userId : (e[key] as string | number | boolean | null);
}

/** SQLite orders NULLs first; booleans are integers there. */
function compare(a: string | number | boolean | null, b: string | number | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = typeof a === 'boolean' ? Number(a) : a;
  const y = typeof b === 'boolean' ? Number(b) : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The admin API servlets ssochain uses. Under MAS every one of them authenticates by
 * introspecting the bearer at MAS and needs `urn:synapse:admin:*` in the token's scope.
 * Servlets Synapse does not register under MAS (`/v1/register`, `/users/<id>/admin`,
 * `/users/<id>/login`, `/reset_password`, registration tokens) fall through to 404.
 */
export function registerAdminRoutes(hs: Homeserver): void {
  hs.on('GET', '/_synapse/admin/v1/server_version', 'admin', 'VersionServlet', () =>
    synapseJson(200, { server_version: hs.version }),
  );

  hs.on('GET', '/_synapse/admin/v2/users/:user_id', 'admin', 'UserRestServletV2', async (ctx, rid) => {
    await hs.requireAdmin(ctx, rid);
    const userId = ctx.params.user_id!;
    if (!hs.isMine(userId)) throw new SynapseError(400, 'Can only look up local users');
    const user = hs.store.get(userId);
    if (!user) throw notFound('User not found');
    return synapseJson(200, hs.userInfo(user));
  });

  hs.on('PUT', '/_synapse/admin/v2/users/:user_id', 'admin', 'UserRestServletV2', async (ctx, rid) => {
    const requester = await hs.requireAdmin(ctx, rid);
    const userId = ctx.params.user_id!;
    const target = hs.parseUserId(userId);
    const body = await readJsonObject(ctx);
    if (target.domain !== hs.serverName)
      throw new SynapseError(400, 'This endpoint can only be used with local users');
    const admin = body.admin ?? false;
    if (typeof admin !== 'boolean')
      throw new SynapseError(400, "Param 'admin' must be a boolean, if given", 'M_BAD_JSON');
    const deactivated = body.deactivated ?? false;
    if (typeof deactivated !== 'boolean')
      throw new SynapseError(400, "'deactivated' parameter is not of type boolean");
    const locked = body.locked ?? false;
    if (typeof locked !== 'boolean') throw new SynapseError(400, "'locked' parameter is not of type boolean");
    if (deactivated && locked) throw new SynapseError(400, "An user can't be deactivated and locked");
    const threepids = Array.isArray(body.threepids)
      ? (body.threepids as { medium: string; address: string }[])
      : null;
    let user = hs.store.get(userId);
    if (user) {
      if ('displayname' in body) user.displayname = (body.displayname as string | null) || null;
      if (threepids) {
        const emails = threepids.filter((t) => t.medium === 'email').map((t) => t.address);
        hs.store.setEmails(user, emails);
      }
      if ('avatar_url' in body) user.avatarUrl = (body.avatar_url as string | null) || null;
      if ('admin' in body && admin !== user.admin) {
        if (userId === requester.userId && !admin)
          throw new SynapseError(400, 'You may not demote yourself.');
        user.admin = admin;
      }
      if ('deactivated' in body) {
        if (deactivated && !user.deactivated) hs.store.deactivate(user, false);
        else if (!deactivated && user.deactivated) hs.store.reactivate(user);
      }
      if ('locked' in body) user.locked = locked;
      return synapseJson(200, hs.userInfo(user));
    }
    checkUsername(hs, target.localpart);
    user = hs.store.create({
      localpart: target.localpart,
      displayname: typeof body.displayname === 'string' ? body.displayname : null,
      admin,
      createdVia: 'admin-api',
    });
    if (threepids)
      hs.store.setEmails(
        user,
        threepids.filter((t) => t.medium === 'email').map((t) => t.address),
      );
    if (typeof body.avatar_url === 'string') user.avatarUrl = body.avatar_url;
    return synapseJson(201, hs.userInfo(user));
  });

  for (const version of ['v2', 'v3'] as const)
    hs.on(
      'GET',
      `/_synapse/admin/${version}/users`,
      'admin',
      `UsersRestServlet${version.toUpperCase()}`,
      async (ctx, rid) => {
        await hs.requireAdmin(ctx, rid);
        const from = queryInteger(ctx, 'from', 0);
        const limit = queryInteger(ctx, 'limit', 100);
        const userIdFilter = ctx.query.get('user_id');
        const name = ctx.query.get('name');
        const guests = queryBoolean(ctx, 'guests') ?? true;
        if (hs.config.mas.enabled && guests)
          throw new SynapseError(
            400,
            'The guests parameter is not supported when delegating to MAS.',
            'M_INVALID_PARAM',
          );
        const deactivatedParam = queryBoolean(ctx, 'deactivated');
        // v2: `deactivated=true` includes them, anything else hides them; v3: a tri-state filter
        const deactivated = version === 'v2' ? (deactivatedParam ? null : false) : deactivatedParam;
        const locked = queryBoolean(ctx, 'locked') ?? false;
        const admins = queryBoolean(ctx, 'admins');
        const orderBy = ctx.query.get('order_by') ?? 'name';
        if (!(ORDER_BY as readonly string[]).includes(orderBy))
          throw new SynapseError(
            400,
            `Query parameter "order_by" must be one of [${ORDER_BY.map((o) => `'${o}'`).join(', ')}]`,
            'M_INVALID_PARAM',
          );
        const dir = ctx.query.get('dir') ?? 'f';
        if (dir !== 'f' && dir !== 'b')
          throw new SynapseError(400, `Query parameter "dir" must be one of ['b', 'f']`, 'M_INVALID_PARAM');
        const notUserTypes = ctx.query.getAll('not_user_type');

        let users = [...hs.store.users.values()];
        if (name) {
          const n = name.toLowerCase();
          users = users.filter(
            (u) => u.localpart.toLowerCase().includes(n) || (u.displayname ?? '').toLowerCase().includes(n),
          );
        } else if (userIdFilter) {
          const n = userIdFilter.toLowerCase();
          users = users.filter((u) => u.userId.toLowerCase().includes(n));
        }
        if (!guests) users = users.filter((u) => !u.isGuest);
        if (deactivated !== null) users = users.filter((u) => u.deactivated === deactivated);
        if (!locked) users = users.filter((u) => !u.locked);
        if (admins !== null) users = users.filter((u) => u.admin === admins);
        if (notUserTypes.length) {
          if (notUserTypes.length === 1 && notUserTypes[0] === '')
            users = users.filter((u) => u.userType !== null);
          else {
            const excluded = notUserTypes.filter(Boolean);
            const hasEmpty = notUserTypes.includes('');
            users = users.filter((u) =>
              hasEmpty
                ? u.userType !== null && !excluded.includes(u.userType)
                : !excluded.includes(u.userType ?? ''),
            );
          }
        }
        const key = orderBy as (typeof ORDER_BY)[number];
        users.sort((a, b) => {
          const c = compare(sortValue(a, key), sortValue(b, key));
          return (dir === 'b' ? -c : c) || compare(a.userId, b.userId);
        });
        const total = users.length;
        const page = users.slice(from, from + limit);
        const body: Record<string, unknown> = { users: page.map(listEntry), total };
        if (from + limit < total) body.next_token = String(from + page.length);
        return synapseJson(200, body);
      },
    );

  hs.on(
    'POST',
    '/_synapse/admin/v1/deactivate/:user_id',
    'admin',
    'DeactivateAccountRestServlet',
    async (ctx, rid) => {
      const requester = await hs.requireAdmin(ctx, rid);
      const userId = ctx.params.user_id!;
      if (!hs.isMine(userId)) throw new SynapseError(400, 'Can only deactivate local users');
      const user = hs.store.get(userId);
      if (!user) throw notFound('User not found');
      const body = await readJsonObject(ctx, true);
      const erase = body.erase ?? false;
      if (typeof erase !== 'boolean')
        throw new SynapseError(400, "Param 'erase' must be a boolean, if given", 'M_BAD_JSON');
      hs.logger.write(
        'INFO',
        'synapse.handlers.deactivate_account',
        104,
        rid,
        `${requester.userId} requested deactivation of ${userId} erase_data=${erase ? 'True' : 'False'} id_server=None`,
      );
      hs.store.deactivate(user, erase);
      return synapseJson(200, { id_server_unbind_result: 'success' });
    },
  );
}
