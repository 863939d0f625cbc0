import { createHash, randomBytes, randomInt } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new ULID (uppercase Crockford base32), as MAS uses for every id. */
export function newUlid(at = Date.now()): string {
  return nextUlid(at);
}

export const ULID_RE = /^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]{26}$/;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Parses a ULID the way the `ulid` crate does (case-insensitive, `invalid length` /
 * `invalid character` errors) and returns its canonical uppercase form.
 */
export function parseUlid(text: string): { ok: true; value: string } | { ok: false; error: string } {
  if (text.length !== 26) return { ok: false, error: 'invalid length' };
  const upper = text.toUpperCase();
  for (const ch of upper) if (!CROCKFORD.includes(ch)) return { ok: false, error: 'invalid character' };
  if (upper.charCodeAt(0) > '7'.charCodeAt(0)) return { ok: false, error: 'overflow when converting' };
  return { ok: true, value: upper };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

export function randomUrlSafe(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

let crcTable: Uint32Array | undefined;
/** CRC-32/ISO-HDLC (the zlib CRC), which MAS appends to its tokens. */
export function crc32(data: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(num: number): string {
  let res = '';
  while (num > 0) {
    res += BASE62[num % 62];
    num = Math.floor(num / 62);
  }
  return res.padStart(6, '0');
}

export type TokenKind = 'mat' | 'mar' | 'mct' | 'mcr' | 'mpt';

/** `mat_<30 alphanumerics>_<crc in base62>`, MAS's token format (`data-model/src/tokens.rs`). */
export function generateToken(prefix: TokenKind): string {
  const base = `${prefix}_${randomAlnum(30)}`;
  return `${base}_${base62(crc32(Buffer.from(base)))}`;
}

export type TokenCheck =
  | { ok: true; kind: TokenKind }
  | { ok: false; error: 'invalid token format' | `unknown token prefix ${string}` | 'invalid CRC' };

/** `TokenType::check`: the format and CRC of a token, without looking it up. */
export function checkToken(token: string): TokenCheck {
  if (token.startsWith('syt_')) return { ok: true, kind: 'mct' };
  if (token.startsWith('syr_')) return { ok: true, kind: 'mcr' };
  const parts = token.split('_');
  if (parts.length !== 3) return { ok: false, error: 'invalid token format' };
  const [prefix, random, crc] = parts as [string, string, string];
  if (prefix.length !== 3 || random.length !== 30 || crc.length !== 6)
    return { ok: false, error: 'invalid token format' };
  if (!['mat', 'mar', 'mct', 'mcr', 'mpt'].includes(prefix))
    return { ok: false, error: `unknown token prefix ${prefix}` };
  if (base62(crc32(Buffer.from(`${prefix}_${random}`))) !== crc) return { ok: false, error: 'invalid CRC' };
  return { ok: true, kind: prefix as TokenKind };
}

export function sha256b64url(input: string): string {
  return createHash('sha256').update(input).digest('base64url');
}

/** RFC 3339 with microseconds, as chrono serialises MAS timestamps. */
export function isoTime(date: Date): string {
  return date.toISOString();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
