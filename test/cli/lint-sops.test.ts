import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, SHARED } from '../helpers/cli.js';

const KEY = fixture('sops/test-age-key.txt');
const SEALED = fixture('sops/seed-values-secret.sops.yaml');

describe('ssochain lint on SOPS-encrypted files', () => {
  it('decrypts in memory with --age-key-file and lints what is inside, pointing into the encrypted file', async () => {
    const run = await runCli(['lint', '--output', 'json', '--age-key-file', KEY, SEALED]);
    const report = JSON.parse(run.stdout);
    // the MAS config inside values.yaml is found and judged
    expect(report.chain.find((l: { hop: string }) => l.hop === 'mas').status).not.toBe('unknown');
    for (const f of report.findings) {
      expect(f.location.file).toBe(SEALED);
      // inside an encrypted value, positions are the line of the key that holds it
      expect(f.location.line).toBe(12);
    }
  });

  it('takes the identity from SOPS_AGE_KEY_FILE and SOPS_AGE_KEY too', async () => {
    const viaFile = await runCli(['lint', '--output', 'json', SEALED], { env: { SOPS_AGE_KEY_FILE: KEY } });
    const viaValue = await runCli(['lint', '--output', 'json', SEALED], {
      env: { SOPS_AGE_KEY: readFileSync(KEY, 'utf8') },
    });
    for (const run of [viaFile, viaValue]) {
      const codes = JSON.parse(run.stdout).findings.map((f: { code: string }) => f.code);
      expect(codes).not.toContain('sops-not-checked');
    }
  });

  it('without any identity it says what it could not check (sops-not-checked)', async () => {
    const run = await runCli(['lint', '--output', 'json', SEALED]);
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: { code: string }) => f.code)).toEqual(['sops-not-checked']);
    expect(report.findings[0].location.line).toBe(13);
    expect(run.code).toBe(0);
  });

  it('a file edited without sops is sops-mac-mismatch', async () => {
    const run = await runCli([
      'lint',
      '--output',
      'json',
      '--age-key-file',
      KEY,
      fixture('sops/seed-values-secret.tampered.sops.yaml'),
    ]);
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: { code: string }) => f.code)).toEqual(['sops-mac-mismatch']);
    expect(run.code).toBe(1);
  });

  it('a wrong key is bad input: exit 2, one sentence naming the file and sops-decrypt-failed', async () => {
    const run = await runCli(['lint', '--age-key-file', `${SHARED}/testdata/sops/keys-age.txt`, SEALED]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('seed-values-secret.sops.yaml');
    expect(run.stderr).toContain('sops-decrypt-failed');
    expect(run.stderr).not.toMatch(/AGE-SECRET-KEY/);
  });

  it('an --age-key-file that does not exist is a usage error', async () => {
    const run = await runCli(['lint', '--age-key-file', '/nonexistent/keys.txt', SEALED]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\/nonexistent\/keys\.txt/);
  });

  it('no decrypted value reaches any output format', async () => {
    for (const output of ['text', 'json', 'markdown', 'sarif']) {
      const run = await runCli(['lint', '--output', output, '--age-key-file', KEY, SEALED]);
      expect(run.stdout + run.stderr).not.toContain('example-client-secret-not-real');
    }
  });
});
