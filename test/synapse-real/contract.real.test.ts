import { afterAll, beforeAll } from 'vitest';
import { defineSynapseContract, type SynapseTarget } from '../contract/synapse-contract.js';
import { startMasStandIn, type MasStandIn } from '../contract/synapse-mas-standin.js';
import { startRealSynapse, type RealSynapse } from './real-synapse.js';

// The same contract as test/sandbox/synapse/contract.emulator.test.ts, against real Synapse 1.160.
const SECRET = 'contract-shared-secret';
let mas: MasStandIn;
let synapse: RealSynapse;
let target: SynapseTarget;

beforeAll(async () => {
  mas = await startMasStandIn(SECRET);
  synapse = await startRealSynapse({
    name: 'contract',
    masUrl: `${mas.url}/`,
    secret: SECRET,
  });
  target = {
    kind: 'real',
    baseUrl: synapse.baseUrl,
    secret: SECRET,
    serverName: 'sandbox.local',
    mas,
    log: () => synapse.homeserverLog().split('\n'),
  };
});

afterAll(async () => {
  await synapse?.stop();
  await mas?.close();
});

defineSynapseContract(() => target);
