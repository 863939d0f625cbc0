import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { resolveSecretRef, secretResolver } from './secrets.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CANARY = 'canary-secret-value-31f7';

describe('resolveSecretRef', () => {
  it('reads a literal value, an environment variable and a trimmed file', async () => {
    expect((await resolveSecretRef({ value: CANARY }, { env: {} })).reveal()).toBe(CANARY);
    expect((await resolveSecretRef({ env: 'X' }, { env: { X: CANARY } })).reveal()).toBe(CANARY);
    writeFileSync(path.join(dir, 'secret.txt'), `  ${CANARY}\n`);
    const fromFile = await resolveSecretRef({ file: 'secret.txt' }, { env: {}, cwd: dir });
    expect(fromFile.reveal()).toBe(CANARY);
    expect(String(fromFile)).toBe('<redacted>');
  });

  it('names the variable or file that is missing, never a value', async () => {
    await expect(
      resolveSecretRef({ env: 'MAS_ADMIN_SECRET' }, { env: {} }, 'mas.admin.clientSecret'),
    ).rejects.toThrow('mas.admin.clientSecret: the environment variable MAS_ADMIN_SECRET is not set');
    await expect(resolveSecretRef({ env: 'E' }, { env: { E: '  ' } })).rejects.toThrow('is empty');
    await expect(resolveSecretRef({ file: 'nope.txt' }, { env: {}, cwd: dir })).rejects.toThrow(
      'nope.txt: no such file',
    );
    writeFileSync(path.join(dir, 'empty.txt'), '\n');
    await expect(resolveSecretRef({ file: 'empty.txt' }, { env: {}, cwd: dir })).rejects.toThrow(
      'empty.txt is empty',
    );
  });

  it('says when no Kubernetes cluster is configured for a Kubernetes Secret', async () => {
    const err = await resolveSecretRef(
      { kubernetesSecret: { namespace: 'ess', name: 'mas-admin', key: 'secret' } },
      { env: {} },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/no Kubernetes cluster is configured/);
  });
});

describe('secretResolver', () => {
  it('reads each reference once per run, but retries a failed lookup', async () => {
    let reads = 0;
    const env: Record<string, string | undefined> = {};
    const resolve = secretResolver({
      env,
      readFile: async () => {
        reads++;
        return CANARY;
      },
    });
    await resolve({ file: '/x' });
    await resolve({ file: '/x' });
    expect(reads).toBe(1);
    await expect(resolve({ env: 'LATER' })).rejects.toThrow(ConfigError);
    env.LATER = CANARY;
    expect((await resolve({ env: 'LATER' })).reveal()).toBe(CANARY);
  });
});
