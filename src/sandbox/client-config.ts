import type { SsochainConfig } from '../config/schema.js';
import type { Stack } from './stack.js';

/**
 * An ssochain.yaml that points at a running sandbox, built from what each emulator says about
 * itself in info(): these are sandbox credentials, so they are written as literal values.
 */
export function sandboxClientConfig(
  stack: Pick<Stack, 'urls' | 'services' | 'clientUrl'>,
): Partial<SsochainConfig> {
  const ak = stack.services.authentik?.info() ?? {};
  const mas = stack.services.mas?.info() ?? {};
  const syn = stack.services.synapse?.info() ?? {};
  const config: Record<string, unknown> = {
    authentik: {
      url: stack.urls.authentik,
      ...(ak.api_token ? { token: { value: ak.api_token } } : {}),
      ...(ak['matrix.issuer'] ? { application: 'matrix' } : {}),
    },
    mas: {
      url: mas.publicBase ? mas.publicBase.replace(/\/$/, '') : stack.urls.mas,
      ...(mas.adminClientId && mas.adminClientSecret
        ? { admin: { clientId: mas.adminClientId, clientSecret: { value: mas.adminClientSecret } } }
        : {}),
    },
    synapse: {
      // the public client URL, through the sandbox's reverse proxy, as a user's client sees it
      url: stack.clientUrl,
      ...(syn.server_name ? { serverName: syn.server_name } : {}),
    },
  };
  return config as Partial<SsochainConfig>;
}
