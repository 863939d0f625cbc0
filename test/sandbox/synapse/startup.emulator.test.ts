import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { listen, type Router, type RunningServer } from '../../../src/sandbox/http/server.js';
import { SandboxLog } from '../../../src/sandbox/log.js';
import {
  createSynapse,
  loadHomeserverConfig,
  SynapseSectionSchema,
} from '../../../src/sandbox/synapse/index.js';
import {
  defineMasUnreachableContract,
  defineSynapseStartupContract,
} from '../../contract/synapse-startup-contract.js';

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
  // PyYAML reads YAML 1.1: strings like 'yes' must stay quoted
  const result = loadHomeserverConfig(stringify(config, { version: '1.1' }));
  return result.ok ? '' : `\n${result.error.format()}\n`;
});

let server: RunningServer;
beforeAll(async () => {
  const ref: { router?: Router } = {};
  server = await listen((req, res) => ref.router!.listener(req, res));
  const config = stringify({ ...BASE, public_baseurl: `${server.url}/` });
  ref.router = createSynapse(SynapseSectionSchema.parse({ config }), {
    urls: { authentik: 'http://127.0.0.1:9', mas: 'http://127.0.0.1:9', synapse: server.url },
    log: new SandboxLog(),
    scenarioDir: process.cwd(),
  }).router;
});
afterAll(async () => {
  await server?.close();
});

defineMasUnreachableContract(() => server.url);
