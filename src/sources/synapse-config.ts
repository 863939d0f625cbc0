import { loadConfigFile } from './files/load.js';
import type { Source } from './source.js';

/**
 * Reads homeserver.yaml (or a GitOps file carrying it) when ssochain.yaml names one, so the
 * Synapse config checks (msc3861, SSO next to MAS, the MAS section) also run in `doctor`:
 * a Synapse that refuses to start answers nothing, and only its config says why.
 */
export const synapseConfigSource: Source = {
  name: 'synapse-config',
  wave: 1,
  async collect(ctx) {
    const where = ctx.config.synapse?.config;
    if (!where) return {};
    if ('kubernetesSecret' in where) return {};
    const path = 'file' in where ? where.file : where.sopsFile;
    try {
      const loaded = await loadConfigFile(path, { ...(ctx.sops ? { sops: ctx.sops } : {}) });
      return { configViews: loaded.views.filter((v) => v.kind === 'synapse') };
    } catch (err) {
      ctx.progress?.('synapse-config', `${path}: ${(err as Error).message}`);
      return {};
    }
  },
};
