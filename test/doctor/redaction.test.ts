import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleJson, runDoctor } from '../../src/doctor.js';
import { sandboxDoctorConfig } from '../../src/sandbox/doctor-config.js';
import { parseScenario, readScenario } from '../../src/sandbox/scenario/load.js';
import { startStack } from '../../src/sandbox/stack.js';
import { fixture, runCli } from '../helpers/cli.js';

const FILE = fixture('scenarios/canary.yaml');
const CANARIES = [...readFileSync(FILE, 'utf8').matchAll(/canary-[a-z-]+-[0-9a-f]{4}/g)].map((m) => m[0]);

function expectNoCanary(text: string, where: string) {
  for (const canary of CANARIES) expect(text, `${canary} in ${where}`).not.toContain(canary);
}

describe('redaction: no secret of the stack reaches any output', () => {
  it('the fixture really holds canaries, and they are found in the stack', () => {
    expect(CANARIES.length).toBeGreaterThanOrEqual(8);
  });

  for (const output of ['text', 'json', 'markdown', 'html']) {
    it(`demo --output ${output}`, async () => {
      const run = await runCli(['demo', '--scenario-file', FILE, '--output', output]);
      expect(run.stdout.length).toBeGreaterThan(200);
      expectNoCanary(run.stdout + run.stderr, `demo ${output}`);
    });
  }

  it('the report talks about the secrets without showing them', async () => {
    const run = await runCli(['demo', '--scenario-file', FILE, '--output', 'json']);
    const codes = JSON.parse(run.stdout).findings.map((f: { code: string }) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['authentik-client-secret-mismatch']));
  });

  it('the support bundle, analysed offline, and the sandbox credentials config', async () => {
    const source = readScenario({ file: FILE });
    const stack = await startStack({ scenarioFile: FILE });
    const sandbox = sandboxDoctorConfig(stack, source.dir, parseScenario(source.text, source.file).mas);
    try {
      const { snapshot, report } = await runDoctor({ config: sandbox.config, env: {}, user: 'boje' });
      const bundle = bundleJson(snapshot);
      expectNoCanary(bundle, 'bundle');
      expectNoCanary(JSON.stringify(report), 'report');
      const again = await runCli(
        ['analyze', '-']
          .slice(0, 1)
          .concat([writeTemp(bundle)])
          .concat(['--output', 'json']),
      );
      expectNoCanary(again.stdout + again.stderr, 'analyze');
      expect(JSON.parse(again.stdout).findings.map((f: { code: string }) => f.code)).toEqual(
        report.findings.map((f) => f.code),
      );
    } finally {
      sandbox.cleanup();
      await stack.close();
    }
  });

  it('errors about credentials name the setting, never the value', async () => {
    const run = await runCli(['doctor', '--config', fixture('scenarios/unset-env.ssochain.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SSOCHAIN_TEST_UNSET_TOKEN/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
function writeTemp(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ssochain-bundle-')), 'bundle.json');
  writeFileSync(file, text);
  return file;
}
