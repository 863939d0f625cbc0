import type { RequestContext } from '../http/server.js';
import { readBody, requiredQuery } from './body.js';
import { notFound, synapseJson, SynapseError } from './errors.js';
import type { Homeserver } from './homeserver.js';
import { MAX_USERID_LENGTH, MXID_LOCALPART_ALLOWED, type SynapseUser } from './store.js';

const ok = () => synapseJson(200, {});

/** `RegistrationHandler.check_username`, with Synapse's order of checks and messages. */
export function checkUsername(hs: Homeserver, localpart: string): void {
  if (!MXID_LOCALPART_ALLOWED.test(localpart))
    throw new SynapseError(
      400,
      "User ID can only contain characters a-z, 0-9, or '=_-./+'",
      'M_INVALID_USERNAME',
    );
  if (!localpart) throw new SynapseError(400, 'User ID cannot be empty', 'M_INVALID_USERNAME');
  if (localpart.startsWith('_') && !hs.config.allowUnderscorePrefixedLocalpart)
    throw new SynapseError(400, 'User ID may not begin with _', 'M_INVALID_USERNAME');
  const userId = hs.userId(localpart);
  if (hs.store.isExclusiveToAppservice(userId))
    throw new SynapseError(400, 'This user ID is reserved by an application service.', 'M_EXCLUSIVE');
  if (userId.length > MAX_USERID_LENGTH)
    throw new SynapseError(
      400,
      `User ID may not be longer than ${MAX_USERID_LENGTH} characters`,
      'M_INVALID_USERNAME',
    );
  if (hs.store.getCaseInsensitive(userId).length)
    throw new SynapseError(400, 'User ID already taken.', 'M_USER_IN_USE');
  if (/^\d+$/.test(localpart))
    throw new SynapseError(400, 'Numeric user IDs are reserved for guest users.', 'M_INVALID_USERNAME');
}

/**
 * The MAS-only API (`synapse/rest/synapse/mas`): every endpoint first checks that the bearer
 * token is the shared secret (401 without a token, 403 with another one), then its input.
 */
export function registerMasRoutes(hs: Homeserver): void {
  const fromMas = (ctx: RequestContext) => {
    if (!hs.isFromMas(ctx)) throw new SynapseError(403, 'This endpoint must only be called by MAS');
  };
  const existing = (localpart: string): SynapseUser => {
    const user = hs.store.get(hs.userId(localpart));
    if (!user) throw notFound('User not found');
    return user;
  };
  const post = (name: string, servlet: string, handler: Parameters<Homeserver['on']>[4]) =>
    hs.on('POST', `/_synapse/mas/${name}`, 'synapse-mas', servlet, async (ctx, rid) => {
      fromMas(ctx);
      return handler(ctx, rid);
    });
  const log = (
    rid: string,
    logger: string,
    line: number,
    message: string,
    level: 'INFO' | 'WARNING' = 'INFO',
  ) => hs.logger.write(level, logger, line, rid, message);

  hs.on('GET', '/_synapse/mas/query_user', 'synapse-mas', 'MasQueryUserResource', (ctx) => {
    fromMas(ctx);
    const localpart = requiredQuery(ctx, 'localpart');
    const user = existing(localpart);
    return synapseJson(200, {
      user_id: user.userId,
      display_name: user.displayname,
      avatar_url: user.avatarUrl,
      is_suspended: user.suspended,
      is_deactivated: user.deactivated,
    });
  });

  hs.on(
    'GET',
    '/_synapse/mas/is_localpart_available',
    'synapse-mas',
    'MasIsLocalpartAvailableResource',
    (ctx) => {
      fromMas(ctx);
      const localpart = ctx.query.get('localpart');
      if (localpart === null) throw new SynapseError(400, 'Missing localpart');
      checkUsername(hs, localpart);
      return ok();
    },
  );

  post('provision_user', 'MasProvisionUserResource', async (ctx) => {
    const body = await readBody(
      ctx,
      [
        { name: 'localpart', kind: 'str', required: true },
        { name: 'unset_displayname', kind: 'bool' },
        { name: 'set_displayname', kind: 'optional-str' },
        { name: 'unset_avatar_url', kind: 'bool' },
        { name: 'set_avatar_url', kind: 'optional-str' },
        { name: 'unset_emails', kind: 'bool' },
        { name: 'set_emails', kind: 'optional-str-list' },
        { name: 'locked', kind: 'optional-bool' },
      ],
      (b) => {
        if ('unset_displayname' in b && 'set_displayname' in b)
          return 'Cannot specify both unset_displayname and set_displayname';
        if ('unset_avatar_url' in b && 'set_avatar_url' in b)
          return 'Cannot specify both unset_avatar_url and set_avatar_url';
        if ('unset_emails' in b && 'set_emails' in b)
          return 'Cannot specify both unset_emails and set_emails';
        return null;
      },
    );
    const localpart = body.localpart as string;
    const setDisplayname = (body.set_displayname as string | null | undefined) ?? null;
    const setEmails = (body.set_emails as string[] | null | undefined) ?? null;
    let user = hs.store.get(hs.userId(localpart));
    const created = !user;
    if (!user) {
      // register_user(by_admin=True) validates the localpart like any registration
      checkUsername(hs, localpart);
      user = hs.store.create({ localpart, displayname: setDisplayname, createdVia: 'mas' });
      if (setEmails) hs.store.setEmails(user, setEmails);
    } else {
      if (body.unset_displayname === true) user.displayname = null;
      else if (setDisplayname !== null) user.displayname = setDisplayname || null;
      if (body.unset_emails === true) hs.store.setEmails(user, []);
      else if (setEmails !== null) hs.store.setEmails(user, setEmails);
    }
    if (typeof body.locked === 'boolean') user.locked = body.locked;
    if (body.unset_avatar_url === true) user.avatarUrl = null;
    else if (typeof body.set_avatar_url === 'string') user.avatarUrl = body.set_avatar_url || null;
    return synapseJson(created ? 201 : 200, {});
  });

  post('delete_user', 'MasDeleteUserResource', async (ctx, rid) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'erase', kind: 'bool', required: true },
    ]);
    const user = existing(body.localpart as string);
    log(
      rid,
      'synapse.handlers.deactivate_account',
      104,
      `${user.userId} requested deactivation of ${user.userId} erase_data=${body.erase ? 'True' : 'False'} id_server=None`,
    );
    hs.store.deactivate(user, body.erase as boolean);
    return ok();
  });

  post('reactivate_user', 'MasReactivateUserResource', async (ctx) => {
    const body = await readBody(ctx, [{ name: 'localpart', kind: 'str', required: true }]);
    hs.store.reactivate(existing(body.localpart as string));
    return ok();
  });

  post('set_displayname', 'MasSetDisplayNameResource', async (ctx) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'displayname', kind: 'str', required: true },
    ]);
    existing(body.localpart as string).displayname = (body.displayname as string) || null;
    return ok();
  });

  post('unset_displayname', 'MasUnsetDisplayNameResource', async (ctx) => {
    const body = await readBody(ctx, [{ name: 'localpart', kind: 'str', required: true }]);
    existing(body.localpart as string).displayname = null;
    return ok();
  });

  post('allow_cross_signing_reset', 'MasAllowCrossSigningResetResource', async (ctx, rid) => {
    const body = await readBody(ctx, [{ name: 'localpart', kind: 'str', required: true }]);
    const user = existing(body.localpart as string);
    // the emulator keeps no cross-signing keys, so this is always Synapse's no-op case
    log(
      rid,
      'synapse.rest.synapse.mas.users',
      483,
      `User ${user.userId} has no master cross-signing key`,
      'WARNING',
    );
    return ok();
  });

  post('upsert_device', 'MasUpsertDeviceResource', async (ctx) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'device_id', kind: 'str', required: true },
      { name: 'display_name', kind: 'optional-str' },
    ]);
    const user = existing(body.localpart as string);
    const deviceId = body.device_id as string;
    const displayName = (body.display_name as string | null | undefined) ?? null;
    const device = user.devices.get(deviceId);
    if (device) {
      if (displayName !== null) device.displayName = displayName;
      return synapseJson(200, {});
    }
    user.devices.set(deviceId, { displayName });
    return synapseJson(201, {});
  });

  post('delete_device', 'MasDeleteDeviceResource', async (ctx) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'device_id', kind: 'str', required: true },
    ]);
    existing(body.localpart as string).devices.delete(body.device_id as string);
    return { status: 204, headers: synapseJson(204, {}).headers };
  });

  post('update_device_display_name', 'MasUpdateDeviceDisplayNameResource', async (ctx) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'device_id', kind: 'str', required: true },
      { name: 'display_name', kind: 'str', required: true },
    ]);
    const device = existing(body.localpart as string).devices.get(body.device_id as string);
    if (!device) throw notFound();
    device.displayName = body.display_name as string;
    return ok();
  });

  post('sync_devices', 'MasSyncDevicesResource', async (ctx, rid) => {
    const body = await readBody(ctx, [
      { name: 'localpart', kind: 'str', required: true },
      { name: 'devices', kind: 'str-list', required: true },
    ]);
    const user = existing(body.localpart as string);
    const target = new Set(body.devices as string[]);
    const current = new Set(user.devices.keys());
    const toAdd = [...target].filter((d) => !current.has(d));
    const toDelete = [...current].filter((d) => !target.has(d));
    const what = [
      toAdd.length ? `add ${toAdd.length} devices` : '',
      toDelete.length ? `delete ${toDelete.length} devices` : '',
    ].filter(Boolean);
    if (what.length)
      log(
        rid,
        'synapse.rest.synapse.mas.devices',
        // Synapse logs the three wordings from three lines
        toAdd.length && toDelete.length ? 215 : toAdd.length ? 224 : 231,
        `Syncing ${target.size} devices for user ${user.userId} will ${what.join(' and ')}`,
      );
    for (const d of toDelete) user.devices.delete(d);
    for (const d of toAdd) user.devices.set(d, { displayName: null });
    return ok();
  });
}
