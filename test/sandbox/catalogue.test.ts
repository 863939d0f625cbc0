import { describe, expect, it } from 'vitest';
import { listScenarios, parseScenario, readScenario } from '../../src/sandbox/scenario/load.js';
import { startStack } from '../../src/sandbox/stack.js';

const NAMES = listScenarios();

describe('scenario catalogue', () => {
  it('has the seed, a healthy stack and at least 25 scenarios', () => {
    expect(NAMES).toContain('seed');
    expect(NAMES).toContain('healthy');
    expect(NAMES.length).toBeGreaterThanOrEqual(25);
  });

  it('every file is named after its scenario and says what it expects', () => {
    for (const name of NAMES) {
      const source = readScenario({ name });
      const scenario = parseScenario(source.text, source.file);
      expect(scenario.name).toBe(name);
      expect(scenario.description.length).toBeGreaterThan(20);
      expect(scenario.expect.findings.length + (scenario.expect.brokenLink === null ? 1 : 0)).toBeGreaterThan(
        0,
      );
    }
  });

  for (const name of NAMES) {
    it(`${name}: the whole stack starts, every service answers, and it shuts down`, async () => {
      const stack = await startStack({ scenario: name });
      try {
        for (const service of ['authentik', 'mas', 'synapse'] as const) {
          expect(stack.services[service], service).toBeDefined();
          expect(stack.services[service]!.info()).toBeTypeOf('object');
        }
        const logs = await (await fetch(`${stack.controlUrl}/logs`)).json();
        expect(Array.isArray(logs)).toBe(true);
        const mas = stack.services.mas!.info();
        expect(mas.status).toBe('running');
        if (name === 'msc3861' || name === 'oidc-with-mas') {
          expect(stack.services.synapse!.info().status).not.toBe('running');
        }
      } finally {
        await stack.close();
      }
    });
  }

  it('the seed reads its MAS config from the SOPS-encrypted ESS values Secret: MAS offers no provider', async () => {
    const stack = await startStack({ scenario: 'seed' });
    try {
      expect(stack.services.mas!.info().providers).toBe('');
      const logs = (await (await fetch(`${stack.controlUrl}/logs?service=mas`)).json()) as { text: string }[];
      expect(logs.some((l) => /Adding provider/.test(l.text))).toBe(false);
    } finally {
      await stack.close();
    }
  });

  it('a scenario loads from a file path as well as by name', async () => {
    const stack = await startStack({ scenarioFile: readScenario({ name: 'healthy' }).file });
    try {
      expect(stack.scenario.name).toBe('healthy');
    } finally {
      await stack.close();
    }
  });
});
