import { describe, expect, it } from 'vitest';
import { fixture, runCli } from '../helpers/cli.js';

interface Expected {
  code: string;
  line: number;
  column: number;
}

async function lintJson(...files: string[]) {
  const run = await runCli(['lint', '--output', 'json', ...files]);
  const report = JSON.parse(run.stdout);
  return {
    run,
    report,
    found: report.findings.map((f: { code: string; location: { line: number; column: number } }) => ({
      code: f.code,
      line: f.location.line,
      column: f.location.column,
    })) as Expected[],
  };
}

const CASES: { name: string; files: string[]; expected: Expected[]; exit: number }[] = [
  {
    name: 'msc3861 block',
    files: ['lint/synapse/msc3861.homeserver.yaml'],
    expected: [{ code: 'synapse-msc3861-removed', line: 4, column: 3 }],
    exit: 1,
  },
  {
    name: 'oidc_providers with MAS',
    files: ['lint/synapse/oidc-with-mas.homeserver.yaml'],
    expected: [{ code: 'synapse-oidc-with-mas', line: 6, column: 1 }],
    exit: 1,
  },
  {
    name: 'whole homeserver.yaml without MAS',
    files: ['lint/synapse/no-mas.homeserver.yaml'],
    expected: [{ code: 'synapse-mas-not-enabled', line: 1, column: 1 }],
    exit: 1,
  },
  {
    name: 'malformed MAS section and a conflicting setting',
    files: ['lint/synapse/mas-invalid.homeserver.yaml'],
    expected: [
      { code: 'synapse-mas-config-invalid', line: 4, column: 3 },
      { code: 'synapse-mas-config-invalid', line: 6, column: 3 },
      { code: 'synapse-mas-config-invalid', line: 8, column: 3 },
    ],
    exit: 1,
  },
  {
    name: 'MAS and Synapse linted together disagree',
    files: ['lint/synapse/pair.mas.yaml', 'lint/synapse/pair.homeserver.yaml'],
    expected: [
      { code: 'synapse-mas-secret-mismatch', line: 5, column: 11 },
      { code: 'synapse-server-name-mismatch', line: 4, column: 15 },
    ],
    exit: 1,
  },
  { name: 'clean homeserver.yaml', files: ['lint/synapse/clean.homeserver.yaml'], expected: [], exit: 0 },
  {
    name: 'MAS config at the wrong level of HelmRelease values',
    files: ['lint/ess/helmrelease-mas-at-wrong-level.yaml'],
    expected: [{ code: 'mas-config-misplaced', line: 13, column: 7 }],
    exit: 1,
  },
  {
    name: 'ESS config given as a mapping, MAS config under synapse.additional (inside a Secret)',
    files: ['lint/ess/secret-config-as-mapping.yaml'],
    expected: [
      { code: 'mas-config-misplaced', line: 11, column: 11 },
      { code: 'mas-config-misplaced', line: 17, column: 11 },
    ],
    exit: 1,
  },
];

describe('ssochain lint: Synapse and ESS rules through the CLI', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { run, found } = await lintJson(...c.files.map((f) => fixture(f)));
      expect(
        found.filter((f) => !f.code.startsWith('mas-config-') || f.code === 'mas-config-misplaced'),
      ).toEqual(expect.arrayContaining(c.expected));
      expect(found.filter((f) => c.expected.some((e) => e.code === f.code)).length).toBe(c.expected.length);
      expect(run.code).toBe(c.exit);
    });
  }

  it('never prints a canary secret from any fixture, in any format', async () => {
    const files = CASES.flatMap((c) => c.files.map((f) => fixture(f)));
    for (const output of ['text', 'json', 'markdown', 'sarif']) {
      const run = await runCli(['lint', '--output', output, ...files]);
      expect(run.stdout + run.stderr).not.toMatch(/canary-/);
    }
  });

  it('explains the fix for msc3861 with the stable section and without the admin token', async () => {
    const { report } = await lintJson(fixture('lint/synapse/msc3861.homeserver.yaml'));
    const finding = report.findings[0];
    expect(finding.fix.snippet).toContain('matrix_authentication_service:');
    expect(finding.fix.snippet).toContain('endpoint: https://account.example.org/');
    expect(finding.detail).toContain('experimental_features.msc3861 was removed');
  });

  it('the misplaced-config fix wraps the block as a config string with secrets masked', async () => {
    const { report } = await lintJson(fixture('lint/ess/helmrelease-mas-at-wrong-level.yaml'));
    const snippet: string = report.findings[0].fix.snippet;
    expect(snippet).toMatch(/additional:\n\s+custom:\n\s+config: \|/);
    expect(snippet).toContain('client_secret: <keep your existing value>');
  });
});
