/**
 * The sops MAC: SHA-512 over the plaintext bytes of the leaf values in document order (keys
 * and comments are not hashed), written as upper-case hex and stored encrypted under
 * `sops.mac` with `lastmodified` as additional data.
 */
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';

/**
 * sops seeds the hash with sha256("sops") when `mac_only_encrypted` is set, so such a MAC can
 * never equal one computed over all values (sops.go, MACOnlyEncryptedInitialization).
 */
export const MAC_ONLY_ENCRYPTED_SEED: Buffer = createHash('sha256').update('sops').digest();

export class MacBuilder {
  readonly #hash: Hash = createHash('sha512');

  constructor(private readonly onlyEncrypted: boolean) {
    if (onlyEncrypted) this.#hash.update(MAC_ONLY_ENCRYPTED_SEED);
  }

  /** Adds one leaf; with `mac_only_encrypted` only the leaves that are encrypted count. */
  add(plaintext: Uint8Array, encrypted: boolean): void {
    if (!this.onlyEncrypted || encrypted) this.#hash.update(plaintext);
  }

  hex(): string {
    return this.#hash.digest('hex').toUpperCase();
  }
}

/** Constant-time comparison of the stored and the computed MAC. */
export function macsEqual(stored: string, computed: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(computed);
  return a.length === b.length && timingSafeEqual(a, b);
}
