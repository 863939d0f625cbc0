/**
 * Telling a sops-encrypted file from a plain one without decrypting (or even parsing) it.
 */

// a top-level `sops:` (YAML, column 0) or `"sops": {` (JSON), plus the MAC or the timestamp
const YAML_SOPS_KEY = /^sops:[ \t]*(#.*)?$/m;
const JSON_SOPS_KEY = /"sops"\s*:\s*\{/;
const SOPS_FIELD = /(^|[\s{,])["']?(mac|lastmodified)["']?\s*:/m;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for text that looks like a sops-encrypted YAML or JSON file, or for already parsed data
 * with a top-level `sops` mapping that has `mac` or `lastmodified`. A cheap screen: a file it
 * accepts may still fail to decrypt, but a sops file is never missed.
 */
export function isSopsEncrypted(input: string | unknown): boolean {
  if (typeof input === 'string') {
    return (YAML_SOPS_KEY.test(input) || JSON_SOPS_KEY.test(input)) && SOPS_FIELD.test(input);
  }
  if (!isRecord(input) || !isRecord(input.sops)) return false;
  return 'mac' in input.sops || 'lastmodified' in input.sops;
}
