import { generateKeyPairSync } from 'node:crypto';

let cached: string | undefined;

/**
 * A signing key for the default sandbox config (`secrets.keys`), generated once per process:
 * it signs the id_tokens the emulated MAS issues to Matrix clients on loopback and protects
 * nothing, so it is never written anywhere.
 */
export function sandboxRsaKeyPem(): string {
  cached ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return cached;
}

/** Sandbox-only `secrets.encryption` (32 bytes, hex); MAS requires one. */
export const SANDBOX_ENCRYPTION_HEX = '1d4b92f4cc8f7c44c57cdd50fe3335bcd58dc30ee452ee3e08175292f538be30';
