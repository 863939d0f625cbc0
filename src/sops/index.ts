/**
 * ssochain's SOPS codec: age-encrypted sops files (YAML and JSON), compatible with sops 3.x,
 * entirely in memory — plaintext never touches the disk.
 *
 * Reading
 * - `isSopsEncrypted(textOrData)`: a cheap screen, no parsing or decryption.
 * - `resolveAgeIdentities({ env, homedir, readFile, platform?, ageKeyFile? })`: the age keys,
 *   from `--age-key-file` alone, else from SOPS_AGE_KEY_FILE, SOPS_AGE_KEY and the sops default
 *   `keys.txt` together (see identities.ts). Keys come back as `Secret`s.
 * - `decryptSops(text, identities, { file?, format?, ignoreMac? })` → `DecryptedSopsFile`, and
 *   `decryptYamlDocument(text, identities, { file? })` for YAML. The result holds, per document,
 *   the plaintext `data`, the `encrypted` Document exactly as parsed from the file (with a
 *   `lineCounter`, so `locate(path)` or the Document's node ranges place any key path of `data`
 *   in the encrypted file: sops keeps keys in clear), a decrypted `plain` Document with comments
 *   for editing, and `encryptedPaths`. `secretData()` wraps the values that were encrypted in
 *   `Secret`. `plaintext()` renders the plaintext for stdout.
 *
 * Writing
 * - `encryptSops(plainText, { recipients, rules?, macOnlyEncrypted?, file?, format?, now? })`
 *   encrypts a new file; `parseSopsText` + `encryptSopsDocuments` do the same for Documents.
 * - `reencryptSops(decrypted, { documents?, now? })` seals an edited `plain` Document again with
 *   the file's own data key, recipients and rules; unchanged values keep their ciphertext
 *   (sops' nonce reuse for identical plaintext), so the diff shows only the edit.
 * - `.sops.yaml`: `findSopsConfig`, `parseSopsConfig`, `selectCreationRule`.
 *
 * Errors (from ../errors.ts): `SopsError` ERR_SOPS_NO_IDENTITY (no identity at all),
 * ERR_SOPS_DECRYPT (no identity opens the data key; report as finding `sops-decrypt-failed`),
 * ERR_SOPS_MAC (the MAC or a value's own authentication fails: the file was changed without
 * sops; report as `sops-mac-mismatch`); `InputError` for text that is not a (supported) sops
 * file, naming the file and line. No message ever contains plaintext or a key.
 *
 * Format notes, checked against getsops/sops 3.13.2: values are AES-256-GCM with a 32-byte
 * nonce and the map keys above the value joined as `a:b:` for additional data (list positions
 * do not count); the MAC is SHA-512 over the plaintext of every leaf value in document order
 * (encrypted or not, unless `mac_only_encrypted`), upper-case hex, encrypted with
 * `lastmodified` as additional data. Values are typed the way sops' Go YAML/JSON decoders type
 * them. New files get the metadata layout sops 3.10 writes and `version: 3.10.2`. Not
 * supported: pgp/kms/vault keys (kept, not used), Shamir key groups, comment-regex rules,
 * age plugin and SSH identities, SOPS_AGE_KEY_CMD.
 */
export { isSopsEncrypted } from './detect.js';
export {
  decryptSops,
  decryptYamlDocument,
  encryptSops,
  encryptSopsDocuments,
  parseSopsText,
  reencryptSops,
  type AgeIdentities,
  type DecryptOptions,
  type EncryptOptions,
  type ReencryptOptions,
} from './codec.js';
export { DecryptedSopsFile, type SopsDocument, type SourcePosition } from './decrypted-file.js';
export {
  resolveAgeIdentities,
  parseAgeIdentities,
  defaultAgeKeyFile,
  describeIdentitySearch,
  type AgeIdentityEnvironment,
  type ResolvedAgeIdentities,
} from './identities.js';
export {
  findSopsConfig,
  parseSopsConfig,
  selectCreationRule,
  SOPS_CONFIG_NAME,
  type CreationRule,
} from './creation-rules.js';
export { parseRecipientList } from './data-key.js';
export { detectFormat, type SopsFormat, type OutputStyle } from './documents.js';
export { SOPS_FORMAT_VERSION, type CryptRules, type SopsMetadata, type AgeKeyEntry } from './metadata.js';
export type { PathSeg } from './tree.js';
