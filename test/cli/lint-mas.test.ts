import { describe, expect, it } from 'vitest';
import { CODES, type FindingCode } from '../../src/codes/registry.js';
import { fixture, runCli } from '../helpers/cli.js';

/** Every MAS fixture through the public CLI: the codes it must report (and nothing else loud). */
const CASES: { file: string; codes: string[] }[] = [
  { file: 'clean-full-config.mas.yaml', codes: [] },
  { file: 'seed-fix-template.mas.yaml', codes: ['mas-config-dialect', 'mas-provider-missing'] },
  { file: 'dialect-oidc-providers.mas.yaml', codes: ['mas-config-dialect', 'mas-provider-missing'] },
  { file: 'dialect-mixed-provider.mas.yaml', codes: ['mas-config-invalid', 'mas-config-dialect'] },
  { file: 'unknown-key.mas.yaml', codes: ['mas-config-unknown-key'] },
  { file: 'invalid-provider.mas.yaml', codes: ['mas-config-invalid'] },
  { file: 'section-invalid.mas.yaml', codes: ['mas-config-invalid'] },
  { file: 'smart-quotes.mas.yaml', codes: ['mas-config-smart-quotes'] },
  { file: 'public-base-default.mas.yaml', codes: ['mas-public-base-default'] },
  { file: 'provider-missing.mas.yaml', codes: ['mas-provider-missing'] },
  { file: 'template-invalid.mas.yaml', codes: ['mapping-template-invalid', 'mapping-localpart-invalid'] },
];

describe('ssochain lint: MAS rules through the CLI', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const run = await runCli(['lint', '--output', 'json', fixture('lint/mas', c.file)]);
      const report = JSON.parse(run.stdout);
      const codes = [...new Set(report.findings.map((f: { code: string }) => f.code))].sort();
      expect(codes).toEqual([...c.codes].sort());
      for (const f of report.findings) expect(f.location.line).toBeGreaterThan(0);
      expect(run.code).toBe(c.codes.some((code) => CODES[code as FindingCode].severity === 'error') ? 1 : 0);
      expect(run.stdout).not.toMatch(/canary-/);
    });
  }

  it('the seed fix template: the translated provider block is the fix, and it lints clean', async () => {
    const run = await runCli(['lint', '--output', 'json', fixture('lint/mas/seed-fix-template.mas.yaml')]);
    const dialect = JSON.parse(run.stdout).findings.find(
      (f: { code: string }) => f.code === 'mas-config-dialect',
    );
    const snippet: string = dialect.fix.snippet;
    expect(snippet).toMatch(/id: 01[0-9A-HJKMNP-TV-Z]{24}/);
    expect(snippet).toContain('scope: openid profile email');
    expect(snippet).toContain('template: "{{ user.preferred_username }}"');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/ssochain-fix-`);
    writeFileSync(
      `${dir}/fixed.mas.yaml`,
      snippet.replace(/client_secret: .*/, 'client_secret_file: /secrets/authentik-client-secret'),
    );
    const again = await runCli(['lint', '--output', 'json', `${dir}/fixed.mas.yaml`]);
    expect(JSON.parse(again.stdout).findings).toEqual([]);
  });
});
