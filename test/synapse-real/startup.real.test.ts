import { afterAll, beforeAll } from 'vitest';
import {
  defineMasUnreachableContract,
  defineSynapseStartupContract,
} from '../contract/synapse-startup-contract.js';
import { realStartupError, startRealSynapse, type RealSynapse } from './real-synapse.js';

// Real Synapse 1.160 on the same configs as test/sandbox/synapse/startup.emulator.test.ts. A running
// instance provides the generated base config (signing key, database, log config).
let synapse: RealSynapse;

beforeAll(async () => {
  synapse = await startRealSynapse({
    name: 'startup',
    masUrl: 'http://127.0.0.1:9/',
    secret: 'contract',
  });
});

afterAll(async () => {
  await synapse?.stop();
});

defineSynapseStartupContract(
  () => async (overrides, remove) => (await realStartupError(synapse, overrides, remove)).stderr,
);

defineMasUnreachableContract(() => synapse.baseUrl);
