import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor.js';
import type { FaultSpec } from '../../src/sandbox/http/server.js';
import { sandboxDoctorConfig } from '../../src/sandbox/doctor-config.js';
import { parseScenario, readScenario } from '../../src/sandbox/scenario/load.js';
import type { ServiceName } from '../../src/sandbox/scenario/schema.js';
import { startStack } from '../../src/sandbox/stack.js';

const FAULTS: Record<string, FaultSpec> = {
  down: { reset: true },
  slow: { latencyMs: 1500 },
  'HTTP 500': { status: 500 },
  garbage: { malformed: true },
};

/** Which source reports the service, and the hop that must then say it could not be checked or is broken. */
const SERVICE: Record<ServiceName, { source: string; hop: string }> = {
  authentik: { source: 'authentik-api', hop: 'authentik' },
  mas: { source: 'mas-runtime', hop: 'mas' },
  synapse: { source: 'synapse', hop: 'synapse' },
};

describe('a failing source yields a finding, and the rest of the diagnosis completes', () => {
  for (const service of Object.keys(SERVICE) as ServiceName[]) {
    for (const [name, fault] of Object.entries(FAULTS)) {
      it(`${service} ${name}`, async () => {
        const source = readScenario({ name: 'healthy' });
        const stack = await startStack({ scenario: 'healthy', faults: { [service]: { '*': fault } } });
        const sandbox = sandboxDoctorConfig(stack, source.dir, parseScenario(source.text, source.file).mas);
        sandbox.config.timeouts.default = 600;
        const started = Date.now();
        try {
          const { report } = await runDoctor({ config: sandbox.config, env: {}, user: 'boje' });
          const elapsed = Date.now() - started;
          // every request has its own timeout, so one stuck service cannot hold the run for long
          expect(elapsed).toBeLessThan(15_000);
          const src = report.sources.find((s) => s.name === SERVICE[service].source)!;
          expect(src.status).not.toBe('ok');
          expect(src.reason ?? '').toMatch(/\S/);
          if (name === 'slow') expect(src.reason).toMatch(/did not answer within 600 ms/);
          const hop = report.chain.find((l) => l.hop === SERVICE[service].hop)!;
          expect(['broken', 'unknown', 'degraded']).toContain(hop.status);
          // the other services were still asked and judged
          const others = report.sources.filter(
            (s) =>
              ['mas-config', 'synapse', 'authentik-api'].includes(s.name) &&
              s.name !== SERVICE[service].source,
          );
          expect(others.some((s) => s.status === 'ok')).toBe(true);
          expect(report.verdict.summary.length).toBeGreaterThan(10);
        } finally {
          sandbox.cleanup();
          await stack.close();
        }
      });
    }
  }
});
