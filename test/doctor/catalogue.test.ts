import { describe, expect, it } from 'vitest';
import { listScenarios, parseScenario, readScenario } from '../../src/sandbox/scenario/load.js';
import { runCli } from '../helpers/cli.js';

/**
 * The scenario catalogue is the oracle: for every scenario, `ssochain demo --output json` must
 * name the expected broken link and report (at least) the expected codes, and nothing at error
 * level that the scenario does not explain. Scenario files written by someone else in the same
 * format can be dropped into scenarios/ and are judged the same way (SSOCHAIN_EXTRA_SCENARIOS
 * adds files from elsewhere).
 */
const extra = (process.env.SSOCHAIN_EXTRA_SCENARIOS ?? '').split(':').filter(Boolean);
const CASES = [
  ...listScenarios().map((name) => ({ name, file: undefined as string | undefined })),
  ...extra.map((file) => ({ name: file, file })),
];

describe('every catalogue scenario: demo yields its expected broken link and findings', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const source = readScenario(c.file ? { file: c.file } : { name: c.name });
      const scenario = parseScenario(source.text, source.file);
      const run = await runCli([
        'demo',
        ...(c.file ? ['--scenario-file', c.file] : ['--scenario', c.name]),
        '--output',
        'json',
      ]);
      expect(run.stderr).not.toMatch(/a check failed|internal error/);
      const report = JSON.parse(run.stdout);
      const codes: string[] = report.findings.map((f: { code: string }) => f.code);
      expect({ brokenLink: report.verdict.brokenLink, codes }).toEqual({
        brokenLink: scenario.expect.brokenLink,
        codes: expect.arrayContaining(scenario.expect.findings),
      });
    });
  }
});
