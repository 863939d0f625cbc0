import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes/registry.js';
import { fixture, runCli } from '../helpers/cli.js';

const require = createRequire(import.meta.url);
// the official SARIF 2.1.0 schema (draft-04) as shipped by Microsoft's jest-sarif, checked with its own ajv 6
const sarifDir = require.resolve('@microsoft/jest-sarif').replace(/lib[/\\]index\.js$/, '');
const sarifSchema = JSON.parse(readFileSync(`${sarifDir}lib/schemas/sarif-2.1.0-rtm.5.json`, 'utf8'));
const Ajv6 = require(require.resolve('ajv', { paths: [sarifDir] }));

const BROKEN = [
  fixture('lint/synapse/msc3861.homeserver.yaml'),
  fixture('lint/ess/secret-config-as-mapping.yaml'),
];

describe('report renderers', () => {
  it('json follows the report contract', async () => {
    const run = await runCli(['lint', '--output', 'json', ...BROKEN]);
    const report = JSON.parse(run.stdout);
    expect(report.tool).toEqual({ name: 'ssochain', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(report.verdict).toEqual({ ok: false, brokenLink: 'mas', summary: expect.any(String) });
    expect(report.chain.map((l: { hop: string }) => l.hop)).toEqual([
      'authentik',
      'oidc',
      'mapping',
      'mas',
      'synapse',
      'client',
      'lifecycle',
      'platform',
    ]);
    for (const f of report.findings) {
      expect(Object.keys(CODES)).toContain(f.code);
      expect(['error', 'warn', 'info']).toContain(f.severity);
      expect(f.hop).toBe(CODES[f.code as keyof typeof CODES].hop);
      expect(f).toHaveProperty('subject');
      expect(f).toHaveProperty('title');
      expect(f).toHaveProperty('detail');
      expect(Array.isArray(f.evidence)).toBe(true);
      expect(f.location).toEqual({
        file: expect.any(String),
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
    expect(Array.isArray(report.sources)).toBe(true);
  });

  it('sarif validates against the SARIF 2.1.0 schema and carries file/line/column', async () => {
    const run = await runCli(['lint', '--output', 'sarif', ...BROKEN]);
    const sarif = JSON.parse(run.stdout);
    const ajv = new Ajv6({ schemaId: 'auto', allErrors: true, meta: false });
    ajv.addMetaSchema(
      require(require.resolve('ajv/lib/refs/json-schema-draft-04.json', { paths: [sarifDir] })),
    );
    const valid = ajv.validate(sarifSchema, sarif);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const results = sarif.runs[0].results;
    expect(results.length).toBeGreaterThan(1);
    for (const r of results) {
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toMatch(/^test\/fixtures\/lint\//);
      expect(loc.region.startLine).toBeGreaterThan(0);
      expect(loc.region.startColumn).toBeGreaterThan(0);
      expect(sarif.runs[0].tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    }
  });

  it('markdown is paste-ready: verdict heading, table, fenced fixes', async () => {
    const run = await runCli(['lint', '--output', 'markdown', ...BROKEN]);
    expect(run.stdout).toMatch(/^### ssochain .*: The chain breaks at mas/);
    expect(run.stdout).toContain('| severity | code | where | finding |');
    expect(run.stdout).toMatch(/```yaml\nmatrix_authentication_service:/);
  });

  it('text uses colour on a terminal, never with NO_COLOR, and FORCE_COLOR wins', async () => {
    const esc = '\u001b[';
    const tty = await runCli(['lint', ...BROKEN], { tty: true, env: { NO_COLOR: '' } });
    expect(tty.stdout).toContain(esc);
    const noColor = await runCli(['lint', ...BROKEN], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(esc);
    const piped = await runCli(['lint', ...BROKEN], { tty: false, env: { NO_COLOR: '' } });
    expect(piped.stdout).not.toContain(esc);
    const forced = await runCli(['lint', ...BROKEN], { tty: false, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(esc);
    expect(noColor.stdout).toMatch(/✘ mas/);
  });

  it('--fail-on sets the threshold for exit 1', async () => {
    const file = fixture('lint/synapse/msc3861.homeserver.yaml');
    expect((await runCli(['lint', file])).code).toBe(1);
    expect((await runCli(['lint', '--fail-on', 'never', file])).code).toBe(0);
    expect(
      (await runCli(['lint', '--fail-on', 'info', fixture('lint/synapse/clean.homeserver.yaml')])).code,
    ).toBe(0);
  });
});
