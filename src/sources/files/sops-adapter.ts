import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../errors.js';
import {
  decryptSops,
  describeIdentitySearch,
  resolveAgeIdentities,
  type ResolvedAgeIdentities,
} from '../../sops/index.js';
import type { SopsAdapter } from './load.js';

export interface SopsAdapterOptions {
  /** the --age-key-file flag */
  ageKeyFile?: string;
  env: Record<string, string | undefined>;
  cwd?: string;
  home?: string;
}

/**
 * Connects the file loader to the SOPS codec. Identities are looked up once, on the first
 * encrypted file, so a run without SOPS files never touches key files.
 */
export function sopsAdapterFor(options: SopsAdapterOptions): SopsAdapter {
  let resolved: Promise<ResolvedAgeIdentities> | undefined;
  const identities = () =>
    (resolved ??= resolveAgeIdentities({
      env: options.env,
      homedir: options.home ?? options.env.HOME ?? homedir(),
      readFile: (f) => readFile(f, 'utf8'),
      ...(options.ageKeyFile
        ? { ageKeyFile: path.resolve(options.cwd ?? process.cwd(), options.ageKeyFile) }
        : {}),
    }).then((r) => {
      // an explicitly named key file that cannot be used is a usage problem, not a finding
      if (options.ageKeyFile && r.identities.length === 0) {
        throw new InputError(
          `--age-key-file ${options.ageKeyFile}: ${describeIdentitySearch(r)}`,
          options.ageKeyFile,
        );
      }
      return r;
    }));
  return {
    async hasIdentities() {
      return (await identities()).identities.length > 0;
    },
    async decrypt(text, file) {
      return (await decryptSops(text, await identities(), { file })).data;
    },
  };
}
