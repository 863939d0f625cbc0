import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigSchema, type SsochainConfig } from '../config/schema.js';
import { mergeConfigs } from '../sources/mas-config.js';
import { sandboxClientConfig } from './client-config.js';
import { defaultConfigText, MasSectionSchema } from './mas/scenario.js';
import { defaultHomeserverConfig, SynapseSectionSchema } from './synapse/scenario.js';
import type { Stack } from './stack.js';

/** Relative to the working directory when inside it: findings then point at familiar paths. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export interface SandboxDoctorConfig {
  config: SsochainConfig;
  /** removes the temporary files written for the run */
  cleanup(): void;
}

/**
 * The ssochain.yaml `demo` hands to doctor for a running sandbox. The MAS config is read where
 * an admin keeps it: a scenario whose config comes from GitOps files (the seed's SOPS-encrypted
 * values Secret) points doctor at those files; otherwise the config text the emulated MAS runs
 * with is written to a temporary folder (sandbox credentials only), as is homeserver.yaml.
 */
export function sandboxDoctorConfig(
  stack: Stack,
  scenarioDir: string,
  rawMasSection: unknown,
): SandboxDoctorConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssochain-demo-'));
  const base = sandboxClientConfig(stack) as Record<string, Record<string, unknown>>;
  const raw = (rawMasSection ?? {}) as {
    configFrom?: { file: string; ageKeyFile?: string }[] | { file: string; ageKeyFile?: string };
  };
  const mas = MasSectionSchema.parse(stack.scenario.mas ?? {});
  const configFrom = raw.configFrom
    ? Array.isArray(raw.configFrom)
      ? raw.configFrom
      : [raw.configFrom]
    : [];
  let masConfig: SsochainConfig['mas'] extends infer M ? (M extends { config?: infer C } ? C : never) : never;
  if (configFrom.length > 0) {
    const first = configFrom[0]!;
    masConfig = {
      sopsFile: shortPath(path.resolve(scenarioDir, first.file)),
      ...(first.ageKeyFile ? { ageKeyFile: shortPath(path.resolve(scenarioDir, first.ageKeyFile)) } : {}),
    };
  } else {
    const text = mas.config ?? defaultConfigText(stack.urls, mas.defaults);
    const merged = mas.configFragments.reduce<unknown>(
      (acc, fragment) => mergeConfigs(acc, parse(fragment)),
      parse(text),
    );
    const file = path.join(dir, 'mas-config.yaml');
    writeFileSync(file, stringify(merged), { mode: 0o600 });
    masConfig = { file };
  }
  const synapse = SynapseSectionSchema.parse(stack.scenario.synapse ?? {});
  const homeserver = path.join(dir, 'homeserver.yaml');
  writeFileSync(homeserver, synapse.config ?? defaultHomeserverConfig(stack.urls), { mode: 0o600 });
  const config = ConfigSchema.parse({
    ...base,
    mas: { ...base.mas, config: masConfig },
    synapse: { ...base.synapse, config: { file: homeserver } },
    timeouts: { default: 3000 },
    ignore: [
      {
        code: 'mas-public-base-default',
        match: '127\\.0\\.0\\.1',
        reason: 'the sandbox serves MAS on loopback on purpose; a real public_base must not be loopback',
      },
    ],
  });
  return { config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
