import { notFound, synapseJson } from './errors.js';
import type { Homeserver } from './homeserver.js';

/** `/.well-known/matrix/client` and `/server`, served on the client listener. */
export function registerWellKnownRoutes(hs: Homeserver): void {
  hs.on('GET', '/.well-known/matrix/client', 'well-known', 'ClientWellKnownResource', async () => {
    const config = hs.config;
    if (!config.serveClientWellknown) throw notFound('.well-known not available');
    const result: Record<string, unknown> = { 'm.homeserver': { base_url: config.publicBaseurl } };
    if (config.defaultIdentityServer)
      result['m.identity_server'] = { base_url: config.defaultIdentityServer };
    if (hs.mas) {
      const metadata = await hs.mas.serverMetadata();
      result['org.matrix.msc2965.authentication'] = {
        issuer: metadata.issuer,
        account: metadata.account_management_uri,
      };
    }
    for (const [key, value] of Object.entries(config.extraWellKnownClientContent))
      if (!(key in result)) result[key] = value;
    return synapseJson(200, result);
  });

  hs.on('GET', '/.well-known/matrix/server', 'well-known', 'ServerWellKnownResource', () => {
    if (!hs.config.serveServerWellknown)
      return hs.withServerHeader({
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: '404. Is anything ever truly *well* known?\n',
      });
    const [host, port] = hs.serverName.split(':');
    return hs.withServerHeader({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'm.server': `${host}:${port ?? 443}` }),
    });
  });
}
