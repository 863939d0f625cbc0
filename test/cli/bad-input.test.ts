import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-bad-'));
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** One clear sentence on stderr naming the file, exit 2, nothing on stdout, no stack trace. */
function expectOneLineError(run: { code: number; stdout: string; stderr: string }, mustMention: RegExp) {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ssochain: /);
  expect(lines[0]).toMatch(mustMention);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input: exit 2 with one sentence naming the file', () => {
  it('invalid YAML names file, line and column', async () => {
    const p = file('broken.yaml', 'upstream_oauth2:\n  providers:\n    - id: [unclosed\n');
    expectOneLineError(
      await runCli(['lint', p]),
      new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`),
    );
  });

  it('invalid YAML inside an embedded values.yaml points into the outer file', async () => {
    const p = file(
      'secret.yaml',
      'apiVersion: v1\nkind: Secret\nstringData:\n  values.yaml: |\n    serverName: x\n    bad: [1, 2\n',
    );
    const run = await runCli(['lint', p]);
    expectOneLineError(run, /secret\.yaml:(6|7):\d+: invalid YAML/);
  });

  it('binary file', async () => {
    expectOneLineError(
      await runCli(['lint', file('blob.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]))]),
      /blob\.yaml: the file is binary/,
    );
  });

  it('invalid UTF-8', async () => {
    expectOneLineError(
      await runCli(['lint', file('latin1.yaml', Buffer.from('a: 1\nb: caf\xe9\n', 'latin1'))]),
      /latin1\.yaml:2: the file is not valid UTF-8/,
    );
  });

  it('empty and whitespace-only files', async () => {
    expectOneLineError(await runCli(['lint', file('empty.yaml', '')]), /empty\.yaml: the file is empty/);
    expectOneLineError(
      await runCli(['lint', file('blank.yaml', '\n  \n')]),
      /blank\.yaml: the file is empty/,
    );
  });

  it('huge file', async () => {
    const p = file('huge.yaml', 'a: ' + 'x'.repeat(6 * 1024 * 1024) + '\n');
    expectOneLineError(await runCli(['lint', p]), /huge\.yaml: the file is too large/);
  });

  it('missing file and directory', async () => {
    expectOneLineError(await runCli(['lint', path.join(dir, 'nope.yaml')]), /nope\.yaml: no such file/);
    expectOneLineError(await runCli(['lint', dir]), /is a directory/);
  });

  it('usage errors: unknown flag, unknown format, bad --fail-on, no file', async () => {
    expectOneLineError(await runCli(['lint', '--frobnicate', 'x']), /lint: .*frobnicate/);
    expectOneLineError(await runCli(['lint', '--output', 'xml', 'x']), /unknown output format 'xml'/);
    expectOneLineError(await runCli(['lint', '--fail-on', 'sometimes', 'x']), /--fail-on must be one of/);
    expectOneLineError(await runCli(['lint']), /name at least one file/);
    expectOneLineError(await runCli(['frobnicate']), /unknown command 'frobnicate'/);
  });

  it('a spawned process behaves the same (no stack trace, exit 2)', () => {
    const p = file('broken2.yaml', 'a: [\n');
    const run = spawnCli(['lint', p]);
    expectOneLineError(run, /broken2\.yaml:\d+:\d+: invalid YAML/);
  });

  it('--debug adds the stack trace for those who ask', async () => {
    const run = await runCli(['lint', '--debug', path.join(dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});
