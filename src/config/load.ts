import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { ConfigSchema, type SecretRef, type SsochainConfig } from './schema.js';

export interface ConfigProvenance {
  from: 'flag' | 'env' | 'cwd' | 'xdg' | 'env-only';
  path?: string;
}

export interface LoadConfigInputs {
  flag?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  home?: string;
}

/** Environment variables that override single settings (credentials never need the file). */
const ENV_OVERRIDES: { env: string; path: string[]; secret?: boolean }[] = [
  { env: 'SSOCHAIN_AUTHENTIK_URL', path: ['authentik', 'url'] },
  { env: 'SSOCHAIN_AUTHENTIK_TOKEN', path: ['authentik', 'token'], secret: true },
  { env: 'SSOCHAIN_AUTHENTIK_APPLICATION', path: ['authentik', 'application'] },
  { env: 'SSOCHAIN_MAS_URL', path: ['mas', 'url'] },
  { env: 'SSOCHAIN_MAS_ADMIN_CLIENT_ID', path: ['mas', 'admin', 'clientId'] },
  { env: 'SSOCHAIN_MAS_ADMIN_CLIENT_SECRET', path: ['mas', 'admin', 'clientSecret'], secret: true },
  { env: 'SSOCHAIN_SYNAPSE_URL', path: ['synapse', 'url'] },
  { env: 'SSOCHAIN_SYNAPSE_SHARED_SECRET', path: ['synapse', 'sharedSecret'], secret: true },
  { env: 'SSOCHAIN_SYNAPSE_ADMIN_TOKEN', path: ['synapse', 'adminToken'], secret: true },
];

function setIn(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function lineOf(doc: Document, lineCounter: LineCounter, keys: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of keys) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) break;
    const range = (pair.key as { range?: number[] }).range;
    if (range) line = lineCounter.linePos(range[0]!).line;
    node = pair.value;
  }
  return line;
}

/** Validates config text; every problem is reported, one per line, each naming file, line and setting. */
export function parseConfigText(
  text: string,
  file: string,
  env: Record<string, string | undefined> = {},
): SsochainConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line;
    throw new ConfigError(
      `${file}${line ? `:${line}` : ''}: invalid YAML: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(`${file}: the configuration must be a mapping`);
  for (const o of ENV_OVERRIDES) {
    const value = env[o.env];
    if (value) setIn(data, o.path, o.secret ? ({ env: o.env } satisfies SecretRef) : value);
  }
  const result = ConfigSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const line = lineOf(doc, lineCounter, issue.path as (string | number)[]);
      return `${file}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('; '), String(result.error.issues[0]?.path.join('.')));
  }
  return result.data;
}

/**
 * Finds and loads ssochain.yaml. Order: --config, SSOCHAIN_CONFIG, ./ssochain.yaml,
 * $XDG_CONFIG_HOME/ssochain/config.yaml (or ~/.config/...). With none of them, settings may
 * still come entirely from SSOCHAIN_* variables; otherwise it is an error naming `ssochain init`.
 */
export function loadConfig(inputs: LoadConfigInputs): {
  config: SsochainConfig;
  provenance: ConfigProvenance;
} {
  const candidates: { from: ConfigProvenance['from']; path: string | undefined; mustExist: boolean }[] = [
    { from: 'flag', path: inputs.flag, mustExist: true },
    { from: 'env', path: inputs.env.SSOCHAIN_CONFIG, mustExist: true },
    { from: 'cwd', path: path.join(inputs.cwd, 'ssochain.yaml'), mustExist: false },
    {
      from: 'xdg',
      path: path.join(
        inputs.env.XDG_CONFIG_HOME ?? path.join(inputs.home ?? '/nonexistent', '.config'),
        'ssochain',
        'config.yaml',
      ),
      mustExist: false,
    },
  ];
  for (const c of candidates) {
    if (!c.path) continue;
    const file = path.resolve(inputs.cwd, c.path);
    if (!existsSync(file)) {
      if (c.mustExist) throw new ConfigError(`${c.path}: no such configuration file`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${c.path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return { config: parseConfigText(text, c.path, inputs.env), provenance: { from: c.from, path: file } };
  }
  if (ENV_OVERRIDES.some((o) => inputs.env[o.env])) {
    return { config: parseConfigText('{}', '(environment)', inputs.env), provenance: { from: 'env-only' } };
  }
  throw new ConfigError(
    'no configuration found (looked for --config, SSOCHAIN_CONFIG, ./ssochain.yaml); run `ssochain init` to write one',
  );
}
