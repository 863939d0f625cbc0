import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCRIPTS = path.resolve(HERE, '../../scripts/synapse-real');

/** Where the Debian sid chroot with matrix-synapse lives (built by scripts/synapse-real/setup.sh). */
export const CHROOT = process.env.SSOCHAIN_SYNAPSE_CHROOT ?? '/var/tmp/ssochain-synapse-sid';

export interface RealSynapse {
  name: string;
  baseUrl: string;
  port: number;
  /** the state folder inside the chroot, as seen from the host */
  stateDir: string;
  /** path of the state folder as seen inside the chroot */
  stateDirInChroot: string;
  homeserverLog(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails loudly (never skips) when the chroot is missing or Synapse does not come up. */
export async function startRealSynapse(options: {
  name: string;
  masUrl: string;
  secret: string;
  extraConfig?: Record<string, unknown>;
}): Promise<RealSynapse> {
  if (!existsSync(path.join(CHROOT, 'usr/bin/python3')))
    throw new Error(`no Synapse chroot at ${CHROOT}: run scripts/synapse-real/setup.sh ${CHROOT} first`);
  const port = await freePort();
  const args = [
    path.join(SCRIPTS, 'start.sh'),
    '--root',
    CHROOT,
    '--name',
    options.name,
    '--port',
    String(port),
    '--mas-url',
    options.masUrl,
    '--secret',
    options.secret,
  ];
  if (options.extraConfig) {
    const file = path.join(CHROOT, 'tmp', `ssochain-extra-${options.name}.yaml`);
    writeFileSync(file, stringify(options.extraConfig));
    args.push('--extra-config', file);
  }
  let stdout: string;
  try {
    ({ stdout } = await run('bash', args, { timeout: 120_000 }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`real Synapse did not start: ${e.stderr ?? e.message}`);
  }
  const baseUrl = stdout.trim().split('\n').pop()!;
  const stateDirInChroot = `/var/lib/ssochain-synapse/${options.name}`;
  const stateDir = path.join(CHROOT, stateDirInChroot);
  return {
    name: options.name,
    baseUrl,
    port,
    stateDir,
    stateDirInChroot,
    homeserverLog: () => {
      const f = path.join(stateDir, 'homeserver.log');
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    stop: async () => {
      await run('bash', [path.join(SCRIPTS, 'stop.sh'), '--root', CHROOT, '--name', options.name], {
        timeout: 60_000,
      });
    },
  };
}

/**
 * Runs Synapse once with the running instance's generated config plus `overrides` (top-level
 * keys replace) and returns what it printed to stderr, from "Error in configuration" on, or
 * null if it did not refuse within the timeout (then it is killed).
 */
export async function realStartupError(
  base: RealSynapse,
  overrides: Record<string, unknown>,
  remove: string[] = [],
): Promise<{ exitCode: number | null; error: string | null; stderr: string }> {
  const config = parse(readFileSync(path.join(base.stateDir, 'homeserver.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  for (const k of remove) delete config[k];
  Object.assign(config, overrides);
  // another port, in case the config is accepted and Synapse starts listening
  config.listeners = [
    {
      port: await freePort(),
      bind_addresses: ['127.0.0.1'],
      type: 'http',
      resources: [{ names: ['client'] }],
    },
  ];
  const name = `check-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`;
  // PyYAML reads YAML 1.1: strings like 'yes' must stay quoted
  writeFileSync(path.join(base.stateDir, name), stringify(config, { version: '1.1' }));
  return new Promise((resolve) => {
    const child = spawn(
      'chroot',
      [CHROOT, '/usr/bin/python3', '-m', 'synapse.app.homeserver', '-c', `${base.stateDirInChroot}/${name}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const at = stderr.indexOf('Error in configuration');
      const error = at >= 0 ? stderr.slice(at).trimEnd() : null;
      resolve({ exitCode: code, error, stderr });
    });
  });
}
