import { stringify } from 'yaml';
import { defineSynapseStartupContract } from '../../contract/synapse-startup-contract.js';
import { loadHomeserverConfig } from '../../../src/sandbox/synapse/index.js';

// The same refusals as test/synapse-real/startup.real.test.ts, against the emulator's config reader.
const BASE = {
  server_name: 'sandbox.local',
  public_baseurl: 'http://127.0.0.1:8008/',
  report_stats: false,
  matrix_authentication_service: { enabled: true, endpoint: 'http://127.0.0.1:9/', secret: 'contract' },
};

defineSynapseStartupContract(() => async (overrides, remove) => {
  const config: Record<string, unknown> = { ...BASE };
  for (const k of remove) delete config[k];
  Object.assign(config, overrides);
  const result = loadHomeserverConfig(stringify(config, { version: '1.1' }));
  return result.ok ? '' : `\n${result.error.format()}\n`;
});
