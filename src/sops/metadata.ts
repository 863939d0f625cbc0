/**
 * The `sops` block of an encrypted file: which master keys hold the data key, which values are
 * encrypted, and the MAC. Reading is lenient where sops is (unknown key types are kept and
 * ignored); writing follows the layout sops 3.10 writes.
 */
import { isMap, isScalar, type Document, type Pair, type YAMLMap } from 'yaml';
import { compileGoRegexp, GoRegexpError } from './go-regexp.js';
import { goRfc3339 } from './go-values.js';

export const SOPS_KEY = 'sops';
/** The sops release whose file layout the writer follows (and which it records as `version`). */
export const SOPS_FORMAT_VERSION = '3.10.2';
/** What sops leaves unencrypted when a file names no rule of its own. */
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** The rules that decide which values are encrypted; a file may use at most one. */
export interface CryptRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
}

export const CRYPT_RULE_FIELDS = {
  unencryptedSuffix: 'unencrypted_suffix',
  encryptedSuffix: 'encrypted_suffix',
  unencryptedRegex: 'unencrypted_regex',
  encryptedRegex: 'encrypted_regex',
} as const satisfies Record<keyof CryptRules, string>;

/** Rules that select values by their comments; sops has them, this codec does not (yet). */
const COMMENT_RULE_FIELDS = ['unencrypted_comment_regex', 'encrypted_comment_regex'] as const;

/** One age recipient of the data key: the public key and the armored age file holding the key. */
export interface AgeKeyEntry {
  recipient: string;
  enc: string;
}

export interface SopsMetadata {
  age: AgeKeyEntry[];
  /** other master key types that hold the data key (pgp, kms, …): kept in the file, not used */
  otherKeyTypes: string[];
  /** as written in the file */
  lastModified: string;
  /** the encrypted MAC, as written in the file */
  mac: string;
  version: string | undefined;
  /** the rule as written in the file (empty when the file relies on the default suffix) */
  rules: CryptRules;
  macOnlyEncrypted: boolean;
}

/** A problem with the metadata block; the codec adds the file name. */
export class MetadataError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

const KEY_TYPES = ['age', 'pgp', 'kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault'] as const;

/** The top-level `sops` pair of a document, if it has one. */
export function findSopsPair(doc: Document): Pair<unknown, unknown> | undefined {
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_KEY);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** mapstructure reads sops metadata "weakly typed": `"true"` counts as true. */
function asBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return ['1', 't', 'true'].includes(value.toLowerCase());
  if (typeof value === 'number') return value !== 0;
  return false;
}

function ageEntries(list: unknown, where: string): AgeKeyEntry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MetadataError(`${where} must be a list`);
  return list.map((entry, index) => {
    const recipient = asString((entry as Record<string, unknown> | null)?.recipient);
    const enc = asString((entry as Record<string, unknown> | null)?.enc);
    if (!recipient || !enc) throw new MetadataError(`${where}[${index}] needs a recipient and an enc`);
    return { recipient, enc };
  });
}

/** Reads and checks the metadata of an encrypted document (sops reads it from the first document). */
export function readMetadata(doc: Document): { metadata: SopsMetadata; node: YAMLMap } {
  const pair = findSopsPair(doc);
  if (!pair) throw new MetadataError('not a sops-encrypted file: there is no top-level "sops" key');
  const node = pair.value;
  const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  if (!isMap(node)) throw new MetadataError('the "sops" key does not hold a mapping', offset);
  const raw = node.toJS(doc) as Record<string, unknown>;

  for (const field of COMMENT_RULE_FIELDS) {
    if (raw[field])
      throw new MetadataError(`sops.${field} is not supported by ssochain's sops codec`, offset);
  }
  const rules: CryptRules = {};
  for (const [name, field] of Object.entries(CRYPT_RULE_FIELDS) as [keyof CryptRules, string][]) {
    const value = asString(raw[field]);
    if (value) rules[name] = value;
  }
  if (Object.keys(rules).length > 1) {
    throw new MetadataError(
      'the file names more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex',
      offset,
    );
  }

  let age = ageEntries(raw.age, 'sops.age');
  const otherKeyTypes = KEY_TYPES.filter((t) => t !== 'age' && Array.isArray(raw[t]) && raw[t].length > 0);
  const groups = raw.key_groups;
  const hasTopLevelKeys = age.length > 0 || otherKeyTypes.length > 0;
  if (!hasTopLevelKeys && Array.isArray(groups) && groups.length > 0) {
    if (groups.length > 1) {
      throw new MetadataError(
        'the data key is split across several key groups (Shamir), which ssochain cannot join',
        offset,
      );
    }
    const group = (groups[0] ?? {}) as Record<string, unknown>;
    age = ageEntries(group.age, 'sops.key_groups[0].age');
    otherKeyTypes.push(
      ...KEY_TYPES.filter((t) => t !== 'age' && Array.isArray(group[t]) && group[t].length > 0),
    );
  }
  if (age.length === 0 && otherKeyTypes.length === 0)
    throw new MetadataError('sops metadata lists no keys', offset);

  const lastModified = asString(raw.lastmodified);
  if (!lastModified || goRfc3339(lastModified) === undefined) {
    throw new MetadataError('sops.lastmodified is missing or not an RFC 3339 time', offset);
  }
  return {
    metadata: {
      age,
      otherKeyTypes,
      lastModified,
      mac: asString(raw.mac) ?? '',
      version: asString(raw.version),
      rules,
      macOnlyEncrypted: asBoolean(raw.mac_only_encrypted),
    },
    node,
  };
}

/** Checks a rule set for use (at most one rule, regexes that compile); throws MetadataError. */
export function validateCryptRules(rules: CryptRules): void {
  const named = Object.entries(rules).filter(([, v]) => v !== undefined && v !== '');
  if (named.length > 1) {
    throw new MetadataError(
      `use at most one of ${Object.values(CRYPT_RULE_FIELDS).join(', ')} (got ${named
        .map(([k]) => CRYPT_RULE_FIELDS[k as keyof CryptRules])
        .join(' and ')})`,
    );
  }
  encryptionPredicate(rules);
}

/**
 * Whether the value at a key path is encrypted (sops.go shouldBeEncrypted). A rule matches when
 * it matches any key on the path, not only the last; regexes search (they are not anchored
 * unless they say so). Without a rule, sops leaves keys ending in `_unencrypted` in clear.
 */
export function encryptionPredicate(rules: CryptRules): (keyPath: readonly string[]) => boolean {
  const { encryptedSuffix, encryptedRegex, unencryptedRegex } = rules;
  const unencryptedSuffix =
    rules.unencryptedSuffix ??
    (encryptedSuffix || encryptedRegex || unencryptedRegex ? undefined : DEFAULT_UNENCRYPTED_SUFFIX);
  const compile = (pattern: string): RegExp => {
    try {
      return compileGoRegexp(pattern);
    } catch (err) {
      throw new MetadataError((err as GoRegexpError).message);
    }
  };
  if (encryptedRegex) {
    const regex = compile(encryptedRegex);
    return (path) => path.some((key) => regex.test(key));
  }
  if (unencryptedRegex) {
    const regex = compile(unencryptedRegex);
    return (path) => !path.some((key) => regex.test(key));
  }
  if (encryptedSuffix) return (path) => path.some((key) => key.endsWith(encryptedSuffix));
  if (unencryptedSuffix) return (path) => !path.some((key) => key.endsWith(unencryptedSuffix));
  return () => true;
}

/** Rules exactly as a new file records them: the default suffix is written out, as sops does. */
export function rulesForNewFile(rules: CryptRules): CryptRules {
  const named = Object.entries(rules).filter(([, v]) => v);
  return named.length > 0 ? Object.fromEntries(named) : { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
}

/**
 * The metadata of a new file, as a plain object whose key order is the order sops 3.10 writes
 * (the order of its metadata struct, empty lists left out).
 */
export function newMetadataObject(options: {
  age: AgeKeyEntry[];
  lastModified: string;
  mac: string;
  rules: CryptRules;
  macOnlyEncrypted: boolean;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    age: options.age.map(({ recipient, enc }) => ({ recipient, enc })),
    lastmodified: options.lastModified,
    mac: options.mac,
  };
  for (const [name, field] of Object.entries(CRYPT_RULE_FIELDS) as [keyof CryptRules, string][]) {
    const value = options.rules[name];
    if (value) out[field] = value;
  }
  if (options.macOnlyEncrypted) out.mac_only_encrypted = true;
  out.version = SOPS_FORMAT_VERSION;
  return out;
}

/** `lastmodified` for a write: RFC 3339 in UTC to the second, like Go's time.Now().UTC(). */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Compares dotted versions ("3.9.0" < "3.10.2"); unparsable parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
