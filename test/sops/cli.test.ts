import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { generateTestKey, repoRoot, testdataDir, type TestKey } from './support.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let work: string;
let key: TestKey;
const realSopsFile = path.join(testdataDir, 'algorithms-age.yaml');
const realKeyFile = path.join(testdataDir, 'keys-age.txt');

/** Runs the CLI in-process with a private HOME, so no real key file can be picked up. */
async function run(argv: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { HOME: home, ...env },
    cwd: work,
    stdoutIsTTY: false,
    ...(stdin !== undefined ? { readStdin: async () => Buffer.from(stdin) } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** One clean line naming the problem: what the CLI promises for every user error. */
function expectOneLineError(result: Run, pattern: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(/^ssochain: /);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const PLAIN =
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: mas # the MAS config\nstringData:\n  client_secret: cli-s3cret\n';

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'ssochain-sops-home-'));
  work = await mkdtemp(path.join(os.tmpdir(), 'ssochain-sops-work-'));
  key = await generateTestKey();
  await writeFile(path.join(work, 'test-age-key.txt'), key.keyFile, { mode: 0o600 });
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('ssochain sops decrypt', () => {
  it('prints the plaintext of a real sops file, with the key named by --age-key-file', async () => {
    const result = await run(['sops', 'decrypt', realSopsFile, '--age-key-file', realKeyFile]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: age\nstringData:\n  key: value\n',
    );
  });

  it('converts to JSON on request', async () => {
    const result = await run([
      'sops',
      'decrypt',
      realSopsFile,
      '--age-key-file',
      realKeyFile,
      '--output-type',
      'json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'age' },
      stringData: { key: 'value' },
    });
  });

  it('finds keys through SOPS_AGE_KEY_FILE, SOPS_AGE_KEY and the default keys.txt', async () => {
    const keyText = await readFile(realKeyFile, 'utf8');
    expect((await run(['sops', 'decrypt', realSopsFile], { SOPS_AGE_KEY_FILE: realKeyFile })).code).toBe(0);
    expect((await run(['sops', 'decrypt', realSopsFile], { SOPS_AGE_KEY: keyText })).code).toBe(0);
    const defaultFile = path.join(home, '.config', 'sops', 'age', 'keys.txt');
    await mkdir(path.dirname(defaultFile), { recursive: true });
    await writeFile(defaultFile, keyText);
    try {
      expect((await run(['sops', 'decrypt', realSopsFile])).code).toBe(0);
    } finally {
      await rm(path.join(home, '.config'), { recursive: true });
    }
  });

  it('reads standard input for -', async () => {
    const text = await readFile(realSopsFile, 'utf8');
    const result = await run(['sops', 'decrypt', '-', '--age-key-file', realKeyFile], {}, text);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('key: value');
  });

  it('says in one line when no key opens the file, when there is no key, and when the MAC fails', async () => {
    expectOneLineError(
      await run([
        'sops',
        'decrypt',
        realSopsFile,
        '--age-key-file',
        path.join(testdataDir, 'keys-age-global.txt'),
      ]),
      /algorithms-age\.yaml: none of the 1 age identities .* opens the data key/,
    );
    expectOneLineError(await run(['sops', 'decrypt', realSopsFile]), /no age identity found/);
    const tampered = path.join(work, 'tampered.yaml');
    await writeFile(tampered, (await readFile(realSopsFile, 'utf8')).replace('name: age', 'name: agf'));
    expectOneLineError(
      await run(['sops', 'decrypt', tampered, '--age-key-file', realKeyFile]),
      /MAC mismatch/,
    );
  });

  it('names the file and line of broken input, and refuses missing files and bad flags', async () => {
    const broken = path.join(work, 'broken.yaml');
    await writeFile(broken, 'a: 1\nb: [unclosed\n');
    expectOneLineError(
      await run(['sops', 'decrypt', broken, '--age-key-file', realKeyFile]),
      /broken\.yaml:\d+: invalid YAML/,
    );
    expectOneLineError(
      await run(['sops', 'decrypt', 'missing.yaml', '--age-key-file', realKeyFile]),
      /missing\.yaml: no such file/,
    );
    expectOneLineError(
      await run(['sops', 'decrypt', realSopsFile, '--age-key-file', 'nope.txt']),
      /nope\.txt does not exist/,
    );
    expectOneLineError(await run(['sops', 'decrypt']), /exactly one FILE/);
    expectOneLineError(await run(['sops', 'decrypt', realSopsFile, '--output-type', 'toml']), /yaml or json/);
    expectOneLineError(await run(['sops', 'frobnicate', 'x']), /unknown action 'frobnicate'/);
  });

  it('shows its usage', async () => {
    const result = await run(['sops', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ssochain sops decrypt FILE/);
  });
});

describe('ssochain sops encrypt', () => {
  it('prints the encrypted file, which decrypt opens again', async () => {
    const file = path.join(work, 'to-stdout.yaml');
    await writeFile(file, PLAIN);
    const encrypted = await run(['sops', 'encrypt', file, '--age', key.recipient]);
    expect(encrypted.code).toBe(0);
    expect(encrypted.stdout).not.toContain('cli-s3cret');
    expect(await readFile(file, 'utf8')).toBe(PLAIN);
    await writeFile(path.join(work, 'stdout.enc.yaml'), encrypted.stdout);
    const decrypted = await run(['sops', 'decrypt', 'stdout.enc.yaml', '--age-key-file', 'test-age-key.txt']);
    expect(decrypted.stdout).toBe(PLAIN);
  });

  it('--in-place writes only ciphertext, atomically, keeping the file mode', async () => {
    const file = path.join(work, 'in-place.yaml');
    await writeFile(file, PLAIN);
    await chmod(file, 0o640);
    const result = await run([
      'sops',
      'encrypt',
      'in-place.yaml',
      '--in-place',
      '--age',
      key.recipient,
      '--encrypted-regex',
      '^stringData$',
    ]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    const written = await readFile(file, 'utf8');
    expect(written).not.toContain('cli-s3cret');
    expect(written).toMatch(/client_secret: ENC\[AES256_GCM,/);
    expect(written).toContain('name: mas # the MAS config');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await readdir(work)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expectOneLineError(
      await run(['sops', 'encrypt', 'in-place.yaml', '--age', key.recipient]),
      /already encrypted/,
    );
  });

  it('takes recipients and the rule from the nearest .sops.yaml', async () => {
    const dir = path.join(work, 'repo');
    await mkdir(path.join(dir, 'secrets'), { recursive: true });
    await writeFile(
      path.join(dir, '.sops.yaml'),
      `creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${key.recipient}\n`,
    );
    await writeFile(path.join(dir, 'secrets', 'mas.yaml'), PLAIN);
    let stdout = '';
    const code = await main(['sops', 'encrypt', 'secrets/mas.yaml'], {
      stdout: (t) => void (stdout += t),
      stderr: () => undefined,
      env: { HOME: home },
      cwd: dir,
      stdoutIsTTY: false,
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`recipient: ${key.recipient}`);
    expect(stdout).toContain('encrypted_regex: ^(data|stringData)$');
    expect(stdout).toContain('kind: Secret');
  });

  it('refuses to run without a recipient or with an invalid one', async () => {
    await writeFile(path.join(work, 'norcpt.yaml'), PLAIN);
    expectOneLineError(await run(['sops', 'encrypt', 'norcpt.yaml']), /no age recipients/);
    expectOneLineError(
      await run(['sops', 'encrypt', 'norcpt.yaml', '--age', 'age1nope']),
      /not a valid age recipient|not an age recipient/,
    );
    expectOneLineError(
      await run(['sops', 'encrypt', '-', '--in-place', '--age', key.recipient], {}, PLAIN),
      /--in-place needs a file/,
    );
  });
});

describe('the built CLI, as a process', () => {
  const bin = path.join(repoRoot, 'bin', 'ssochain.js');
  const built = path.join(repoRoot, 'dist', 'cli', 'commands', 'sops.js');

  it('decrypts to stdout and fails with exit 2 and one line', async () => {
    // `npm test` builds first; run `npm run build` before running this file alone
    expect(existsSync(built), `${built} is missing: run npm run build`).toBe(true);
    const execFileAsync = promisify(execFile);
    const env = { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' };
    const ok = await execFileAsync(
      process.execPath,
      [bin, 'sops', 'decrypt', realSopsFile, '--age-key-file', realKeyFile],
      { env },
    );
    expect(ok.stdout).toContain('key: value');
    const failure = await execFileAsync(process.execPath, [bin, 'sops', 'decrypt', realSopsFile], {
      env,
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
