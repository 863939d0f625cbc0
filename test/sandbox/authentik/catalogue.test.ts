import { describe, expect, it } from 'vitest';
import { createAuthentik, AuthentikSectionSchema } from '../../../src/sandbox/authentik/index.js';
import { SandboxLog } from '../../../src/sandbox/log.js';
import {
  listScenarios,
  parseScenario,
  readScenario,
  substituteUrls,
} from '../../../src/sandbox/scenario/load.js';

/** Every scenario of the catalogue has an `authentik:` section the emulator accepts and can start. */
describe('the scenario catalogue and the Authentik section', () => {
  const urls = { authentik: 'http://127.0.0.1:1', mas: 'http://127.0.0.1:2', synapse: 'http://127.0.0.1:3' };
  const names = listScenarios();

  it.each(names.length ? names : ['(no catalogue)'])('%s', (name) => {
    if (name === '(no catalogue)') return;
    const source = readScenario({ name });
    const scenario = parseScenario(substituteUrls(source.text, urls), source.file);
    const parsed = AuthentikSectionSchema.safeParse(scenario.authentik ?? {});
    expect(parsed.error?.issues ?? []).toEqual([]);
    const instance = createAuthentik(parsed.data!, { urls, log: new SandboxLog(), scenarioDir: source.dir });
    expect(Object.keys(instance.ak.store.data.users).length).toBeGreaterThan(0);
  });
});
