import { readFile as fsReadFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretRef } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { Secret } from '../snapshot/secret.js';
import { kubeSecretReader, type ReadKubeSecret } from './kube.js';

/** What resolving a credential reference may touch; injected so tests never read the real env. */
export interface SecretIO {
  env: Record<string, string | undefined>;
  readFile?: (file: string) => Promise<string>;
  /** base for relative `file:` paths (the folder of ssochain.yaml, usually) */
  cwd?: string;
  /** reads a key of a Kubernetes Secret (default: the official client and the usual kubeconfig) */
  readKubeSecret?: ReadKubeSecret;
}

function describeReadError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `${file}: no such file`;
  if (code === 'EACCES' || code === 'EPERM') return `${file}: permission denied`;
  if (code === 'EISDIR') return `${file}: is a directory, not a file`;
  return `${file}: cannot be read (${code ?? 'unknown error'})`;
}

/**
 * Turns a credential reference from ssochain.yaml into a Secret. The value never appears in
 * an error: messages name the variable or file, never what it holds. File contents are
 * trimmed, as MAS and Synapse trim `*_file` / `*_path` secrets. `what` names the setting in
 * messages (`mas.admin.clientSecret`).
 */
export async function resolveSecretRef(ref: SecretRef, io: SecretIO, what = 'a credential'): Promise<Secret> {
  if ('value' in ref) return new Secret(ref.value);
  if ('env' in ref) {
    const value = io.env[ref.env];
    if (value === undefined)
      throw new ConfigError(`${what}: the environment variable ${ref.env} is not set`, what);
    if (value.trim() === '')
      throw new ConfigError(`${what}: the environment variable ${ref.env} is empty`, what);
    return new Secret(value);
  }
  if ('file' in ref) {
    const file = path.resolve(io.cwd ?? process.cwd(), ref.file);
    let text: string;
    try {
      text = await (io.readFile ?? ((f: string) => fsReadFile(f, 'utf8')))(file);
    } catch (err) {
      throw new ConfigError(`${what}: ${describeReadError(ref.file, err)}`, what);
    }
    const value = text.trim();
    if (value === '') throw new ConfigError(`${what}: ${ref.file} is empty`, what);
    return new Secret(value);
  }
  const k = ref.kubernetesSecret;
  const read = io.readKubeSecret ?? kubeSecretReader(io.env);
  let value: string;
  try {
    value = (await read(k.namespace, k.name, k.key)).trim();
  } catch (err) {
    throw new ConfigError(`${what}: ${(err as Error).message}`, what);
  }
  if (value === '')
    throw new ConfigError(
      `${what}: the key ${k.key} of the Kubernetes Secret ${k.namespace}/${k.name} is empty`,
      what,
    );
  return new Secret(value);
}

/** A resolver for `SourceContext.secret`, caching each reference's value for one run. */
export function secretResolver(io: SecretIO): (ref: SecretRef, what?: string) => Promise<Secret> {
  const cache = new Map<string, Promise<Secret>>();
  return (ref, what) => {
    // a literal value needs no lookup (and is never kept as a map key)
    if ('value' in ref) return resolveSecretRef(ref, io, what);
    const key = JSON.stringify(ref);
    let hit = cache.get(key);
    if (!hit) {
      hit = resolveSecretRef(ref, io, what);
      // a failed lookup is not cached: the next caller gets the same error with its own `what`
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
    }
    return hit;
  };
}
