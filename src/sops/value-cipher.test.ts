import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAC_ONLY_ENCRYPTED_SEED, MacBuilder } from './mac.js';
import { additionalDataFor, looksEncrypted, ValueCipher, ValueCipherError } from './value-cipher.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ValueCipher', () => {
  const cipher = new ValueCipher(randomBytes(32));

  it('writes the sops value format with a 32-byte nonce and a 16-byte tag', () => {
    const value = cipher.encrypt('str', bytes('hello'), 'a:b:');
    const match = /^ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:str\]$/.exec(value);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![2]!, 'base64')).toHaveLength(32);
    expect(Buffer.from(match![3]!, 'base64')).toHaveLength(16);
    expect(looksEncrypted(value)).toBe(true);
    const opened = cipher.decrypt(value, 'a:b:');
    expect(opened.type).toBe('str');
    expect(new TextDecoder().decode(opened.plaintext)).toBe('hello');
  });

  it('binds a value to its additional data', () => {
    const value = cipher.encrypt('str', bytes('hello'), 'a:b:');
    expect(() => cipher.decrypt(value, 'a:c:')).toThrow(ValueCipherError);
    try {
      cipher.decrypt(value, 'a:c:');
    } catch (err) {
      expect((err as ValueCipherError).reason).toBe('auth');
    }
  });

  it('tells a malformed value from one that fails authentication', () => {
    for (const bad of [
      'plain',
      'ENC[AES256_GCM,data:!!,iv:AAAA,tag:AAAA,type:str]',
      'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:xml]',
    ]) {
      try {
        cipher.decrypt(bad, 'a:');
        expect.unreachable();
      } catch (err) {
        expect((err as ValueCipherError).reason).toBe('format');
      }
    }
  });

  it('reuses a nonce only for the same value at the same place, as sops does', () => {
    const first = cipher.encrypt('str', bytes('same'), 'k:');
    cipher.decrypt(first, 'k:');
    expect(cipher.encrypt('str', bytes('same'), 'k:')).toBe(first);
    expect(cipher.encrypt('str', bytes('other'), 'k:')).not.toContain(/iv:([^,]+)/.exec(first)![1]!);
    expect(cipher.encrypt('str', bytes('same'), 'j:')).not.toBe(first);
    expect(cipher.encrypt('int', bytes('same'), 'k:')).not.toContain(/iv:([^,]+)/.exec(first)![1]!);
  });

  it('joins key paths the way sops does', () => {
    expect(additionalDataFor(['stringData', 'key'])).toBe('stringData:key:');
    expect(additionalDataFor([])).toBe(':');
  });
});

describe('MacBuilder', () => {
  it('hashes values in order, upper-case hex', () => {
    const mac = new MacBuilder(false);
    mac.add(bytes('v1'), false);
    mac.add(bytes('value'), true);
    expect(mac.hex()).toMatch(/^[0-9A-F]{128}$/);
  });

  it('seeds mac_only_encrypted with sha256("sops") and skips clear values', () => {
    expect(MAC_ONLY_ENCRYPTED_SEED.toString('hex')).toBe(
      '8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69',
    );
    const only = new MacBuilder(true);
    only.add(bytes('clear'), false);
    only.add(bytes('secret'), true);
    const seeded = new MacBuilder(true);
    seeded.add(bytes('secret'), true);
    expect(only.hex()).toBe(seeded.hex());
  });
});
