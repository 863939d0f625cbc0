/**
 * The `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` values of a sops file: AES-256-GCM with a
 * 32-byte nonce, the value's key path as additional data, and a type tag.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SopsValueType } from './go-values.js';

export type EncryptedValueType = SopsValueType | 'comment';

const VALUE_TYPES: readonly string[] = ['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment'];
// sops' own pattern; like Go's regexp it is anchored at the start only
const ENC_VALUE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const NONCE_BYTES = 32;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** Why a value could not be opened: it is not in sops' format, or it fails authentication. */
export class ValueCipherError extends Error {
  constructor(
    readonly reason: 'format' | 'auth',
    message: string,
  ) {
    super(message);
  }
}

/** Cheap check for the encrypted form, without decoding anything. */
export function looksEncrypted(text: string): boolean {
  return ENC_VALUE.test(text);
}

function decodeBase64(text: string, field: string): Buffer {
  if (!BASE64.test(text)) throw new ValueCipherError('format', `its ${field} is not valid base64`);
  return Buffer.from(text, 'base64');
}

/**
 * Encrypts and decrypts values with one data key. Like sops, it remembers the nonce of every
 * value it decrypted, keyed by additional data, type and plaintext, and reuses it when the same
 * value is encrypted again: an unchanged value then keeps its exact ciphertext, so re-encrypting
 * an edited file changes only the lines that were edited. Reusing a GCM nonce is safe only for
 * identical input, which the key guarantees.
 */
export class ValueCipher {
  readonly #key: Buffer;
  readonly #nonces = new Map<string, Buffer>();

  constructor(dataKey: Uint8Array) {
    if (dataKey.length !== DATA_KEY_BYTES) throw new Error(`a sops data key has ${DATA_KEY_BYTES} bytes`);
    this.#key = Buffer.from(dataKey);
  }

  #nonceKey(type: EncryptedValueType, additionalData: string, plaintext: Uint8Array): string {
    // a digest, so the map does not hold plaintext for as long as the cipher lives
    return createHash('sha256')
      .update(type)
      .update('\0')
      .update(additionalData)
      .update('\0')
      .update(plaintext)
      .digest('base64');
  }

  decrypt(value: string, additionalData: string): { type: EncryptedValueType; plaintext: Uint8Array } {
    const match = ENC_VALUE.exec(value);
    if (!match) throw new ValueCipherError('format', 'it is not in the ENC[AES256_GCM,...] form');
    const [, dataText = '', ivText = '', tagText = '', type = ''] = match;
    if (!VALUE_TYPES.includes(type)) throw new ValueCipherError('format', `its type '${type}' is unknown`);
    const data = decodeBase64(dataText, 'data');
    const iv = decodeBase64(ivText, 'iv');
    const tag = decodeBase64(tagText, 'tag');
    if (iv.length === 0 || tag.length !== TAG_BYTES) {
      throw new ValueCipherError('format', 'its iv or tag has the wrong length');
    }
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(additionalData, 'utf8'));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new ValueCipherError('auth', 'it does not authenticate');
    }
    const valueType = type as EncryptedValueType;
    this.#nonces.set(this.#nonceKey(valueType, additionalData, plaintext), iv);
    return { type: valueType, plaintext };
  }

  encrypt(type: EncryptedValueType, plaintext: Uint8Array, additionalData: string): string {
    const iv = this.#nonces.get(this.#nonceKey(type, additionalData, plaintext)) ?? randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(additionalData, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${type}]`;
  }
}

/** The additional data sops binds a value to: its map keys joined by ':' plus a trailing ':'. */
export function additionalDataFor(keyPath: readonly string[]): string {
  return keyPath.join(':') + ':';
}
