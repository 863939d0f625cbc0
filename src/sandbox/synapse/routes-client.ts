import { synapseJson, SynapseError } from './errors.js';
import type { Homeserver } from './homeserver.js';
import { VERSIONS_1_160 } from './versions.js';

/** Synapse's answer for unauthenticated `versions` and the auth metadata: cacheable for a while. */
export const PUBLIC_CACHE = 'public, max-age=600, s-maxage=3600, stale-while-revalidate=600';

/** `client_patterns(path)`: the r0, v3 and unstable prefixes unless said otherwise. */
const clientPaths = (path: string, releases = ['r0', 'v3'], unstable = true): string[] => [
  ...releases.map((r) => `/_matrix/client/${r}${path}`),
  ...(unstable ? [`/_matrix/client/unstable${path}`] : []),
];

export function registerClientRoutes(hs: Homeserver): void {
  hs.on('GET', '/_matrix/client/versions', 'client', 'VersionsRestServlet', async (ctx, rid) => {
    const headers: Record<string, string> = {};
    if (hs.hasAccessToken(ctx)) await hs.getUserByReq(ctx, rid);
    else headers['cache-control'] = PUBLIC_CACHE;
    headers.vary = 'Authorization';
    return synapseJson(200, VERSIONS_1_160, headers);
  });

  for (const path of clientPaths('/account/whoami'))
    hs.on('GET', path, 'client', 'WhoamiRestServlet', async (ctx, rid) => {
      const requester = await hs.getUserByReq(ctx, rid);
      const body: Record<string, unknown> = { user_id: requester.userId, is_guest: false };
      if (requester.deviceId !== null) body.device_id = requester.deviceId;
      return synapseJson(200, body);
    });

  if (hs.config.mas.enabled) {
    // Under MAS, Synapse registers no login/register/logout/refresh servlets: MAS serves them.
    // the servlets set Cache-Control before asking MAS, so a failure keeps it
    const metadata = async () => {
      try {
        return await hs.mas!.serverMetadata();
      } catch (err) {
        throw Object.assign(err as Error, { replyHeaders: { 'cache-control': PUBLIC_CACHE } });
      }
    };
    for (const path of [
      '/_matrix/client/v1/auth_metadata',
      '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata',
    ])
      hs.on('GET', path, 'client', 'AuthMetadataServlet', async () =>
        synapseJson(200, await metadata(), { 'cache-control': PUBLIC_CACHE }),
      );
    hs.on(
      'GET',
      '/_matrix/client/unstable/org.matrix.msc2965/auth_issuer',
      'client',
      'AuthIssuerServlet',
      async () => synapseJson(200, { issuer: (await metadata()).issuer }, { 'cache-control': PUBLIC_CACHE }),
    );
  } else {
    // Synapse's own login servlet: only what the emulator's configs can enable
    for (const path of clientPaths('/login'))
      hs.on('GET', path, 'client', 'LoginRestServlet', () => {
        const flows: Record<string, unknown>[] = [];
        if (hs.config.passwordLoginEnabled) flows.push({ type: 'm.login.password' });
        flows.push({ type: 'm.login.application_service' });
        return synapseJson(200, { flows });
      });
  }

  // Registration stays registered under MAS, but only for application services
  for (const path of clientPaths('/register'))
    hs.on('POST', path, 'client', 'RegisterRestServlet', () => {
      throw new SynapseError(
        403,
        'Registration has been disabled. Only m.login.application_service registrations are allowed.',
        'M_FORBIDDEN',
      );
    });

  // `GET /profile/<user_id>/displayname` is handy for checking what MAS provisioned
  for (const path of clientPaths('/profile/:user_id'))
    hs.on('GET', path, 'client', 'ProfileRestServlet', (ctx) => {
      const userId = ctx.params.user_id!;
      hs.parseUserId(userId);
      const user = hs.store.get(userId);
      // no profile row: the store's error comes through as it is
      if (!user || user.profileDeleted) throw new SynapseError(404, 'No row found (profiles)');
      if (user.displayname === null && user.avatarUrl === null)
        throw new SynapseError(404, 'Profile was not found', 'M_NOT_FOUND');
      const body: Record<string, unknown> = {};
      if (user.displayname !== null) body.displayname = user.displayname;
      if (user.avatarUrl !== null) body.avatar_url = user.avatarUrl;
      return synapseJson(200, body);
    });
}
