import { afterAll, beforeAll } from 'vitest';
import { SandboxLog } from '../../../src/sandbox/log.js';
import { listen, type RunningServer, type Router } from '../../../src/sandbox/http/server.js';
import { createSynapse, SynapseSectionSchema } from '../../../src/sandbox/synapse/index.js';
import { defineSynapseContract, type SynapseTarget } from '../../contract/synapse-contract.js';
import { startMasStandIn, type MasStandIn } from '../../contract/synapse-mas-standin.js';

// The same contract as test/synapse-real/contract.real.test.ts, against the emulator.
const SECRET = 'contract-shared-secret';
let mas: MasStandIn;
let server: RunningServer;
let target: SynapseTarget;

beforeAll(async () => {
  mas = await startMasStandIn(SECRET);
  const ref: { router?: Router } = {};
  server = await listen((req, res) => ref.router!.listener(req, res));
  const config = [
    'server_name: sandbox.local',
    `public_baseurl: ${server.url}/`,
    'matrix_authentication_service:',
    '  enabled: true',
    `  endpoint: ${mas.url}/`,
    `  secret: ${SECRET}`,
  ].join('\n');
  const log = new SandboxLog();
  const instance = createSynapse(SynapseSectionSchema.parse({ config }), {
    urls: { authentik: 'http://127.0.0.1:1', mas: mas.url, synapse: server.url },
    log,
    scenarioDir: process.cwd(),
  });
  ref.router = instance.router;
  target = {
    kind: 'emulator',
    baseUrl: server.url,
    secret: SECRET,
    serverName: 'sandbox.local',
    mas,
    log: () => log.read('synapse').map((l) => l.text),
  };
});

afterAll(async () => {
  await server?.close();
  await mas?.close();
});

defineSynapseContract(() => target);
