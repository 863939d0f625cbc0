import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** shared/ sits beside the repository, both here and in CI */
export const SHARED = path.resolve(REPO_ROOT, '../shared');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output and a controlled environment. */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string>; stdin?: string; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { NO_COLOR: '1', HOME: '/nonexistent-home', ...(options.env ?? {}) },
    cwd: REPO_ROOT,
    stdoutIsTTY: options.tty ?? false,
    readStdin: async () => Buffer.from(options.stdin ?? ''),
  });
  return { code, stdout, stderr };
}

/** Runs the built CLI as a separate process, as a user would (needs `npm run build` first). */
export function spawnCli(
  argv: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): CliRun {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/ssochain.js'), ...argv], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOME: '/nonexistent-home', ...(options.env ?? {}) },
    input: options.input ?? '',
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function fixture(...parts: string[]): string {
  return path.join(REPO_ROOT, 'test/fixtures', ...parts);
}
