/**
 * `.sops.yaml` creation rules: which recipients and which encryption rule a new file gets.
 * The common subset: `path_regex`, `age` (a comma-separated string or a list), the four value
 * rules, `mac_only_encrypted`, and `key_groups` with a single group.
 */
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseRecipientList } from './data-key.js';
import { compileGoRegexp, GoRegexpError } from './go-regexp.js';
import { CRYPT_RULE_FIELDS, type CryptRules } from './metadata.js';

export const SOPS_CONFIG_NAME = '.sops.yaml';

export interface CreationRule {
  pathRegex?: string;
  age: string[];
  rules: CryptRules;
  macOnlyEncrypted: boolean;
  /** key types the rule names that ssochain cannot encrypt to (pgp, kms, …) */
  otherKeyTypes: string[];
}

const OTHER_KEY_FIELDS = [
  'pgp',
  'kms',
  'gcp_kms',
  'hckms',
  'azure_keyvault',
  'hc_vault_transit_uri',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyList(value: unknown, field: string, configPath: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseRecipientList(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim());
  throw new ConfigError(`${configPath}: ${field} must be a string or a list of strings`, configPath);
}

function readRule(raw: unknown, index: number, configPath: string): CreationRule {
  const where = `${configPath}: creation_rules[${index}]`;
  if (!isRecord(raw)) throw new ConfigError(`${where} is not a mapping`, configPath);
  let source: Record<string, unknown> = raw;
  const groups = raw.key_groups;
  if (Array.isArray(groups) && groups.length > 0) {
    if (groups.length > 1) {
      throw new ConfigError(
        `${where} splits the key over several key_groups (Shamir), which ssochain cannot do`,
        configPath,
      );
    }
    source = isRecord(groups[0]) ? groups[0] : {};
  }
  const rules: CryptRules = {};
  for (const [name, field] of Object.entries(CRYPT_RULE_FIELDS) as [keyof CryptRules, string][]) {
    const value = raw[field];
    if (typeof value === 'string' && value !== '') rules[name] = value;
  }
  for (const field of ['encrypted_comment_regex', 'unencrypted_comment_regex']) {
    if (raw[field])
      throw new ConfigError(`${where}: ${field} is not supported by ssochain's sops codec`, configPath);
  }
  const pathRegex = typeof raw.path_regex === 'string' && raw.path_regex !== '' ? raw.path_regex : undefined;
  if (pathRegex !== undefined) {
    try {
      compileGoRegexp(pathRegex);
    } catch (err) {
      throw new ConfigError(`${where}: path_regex ${(err as GoRegexpError).message}`, configPath);
    }
  }
  return {
    ...(pathRegex !== undefined ? { pathRegex } : {}),
    age: keyList(source.age, `${where}.age`, configPath),
    rules,
    macOnlyEncrypted: raw.mac_only_encrypted === true,
    otherKeyTypes: OTHER_KEY_FIELDS.filter((f) => keyList(source[f], `${where}.${f}`, configPath).length > 0),
  };
}

export function parseSopsConfig(text: string, configPath: string): CreationRule[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const line = doc.errors[0]?.linePos?.[0]?.line;
    throw new ConfigError(`${configPath}${line ? `:${line}` : ''}: invalid YAML`, configPath);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) return [];
  if (!isRecord(raw)) throw new ConfigError(`${configPath}: not a mapping`, configPath);
  const rules = raw.creation_rules;
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules))
    throw new ConfigError(`${configPath}: creation_rules must be a list`, configPath);
  return rules.map((rule, index) => readRule(rule, index, configPath));
}

/**
 * The first rule whose path_regex matches the file (a rule without one matches every file).
 * As sops does, the path is taken relative to the directory of `.sops.yaml` when the file is
 * inside it, and absolute otherwise; the regex searches rather than anchors.
 */
export function selectCreationRule(
  rules: readonly CreationRule[],
  configPath: string,
  filePath: string,
): CreationRule | undefined {
  const configDir = path.dirname(path.resolve(configPath));
  const absolute = path.resolve(filePath);
  const relative = absolute.startsWith(configDir + path.sep)
    ? absolute.slice(configDir.length + 1)
    : absolute;
  return rules.find((rule) => rule.pathRegex === undefined || compileGoRegexp(rule.pathRegex).test(relative));
}

/** Looks for `.sops.yaml` in `startDir` and its parents, as sops does from the working directory. */
export async function findSopsConfig(
  startDir: string,
  exists: (file: string) => Promise<boolean>,
): Promise<string | undefined> {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, SOPS_CONFIG_NAME);
    if (await exists(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
