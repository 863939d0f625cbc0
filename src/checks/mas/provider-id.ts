/**
 * ULIDs as MAS uses them for upstream provider ids (and `clients[].client_id`): 26 characters
 * of uppercase Crockford base32. The id is also the last segment of the callback URL that
 * must be registered at the identity provider (`<public_base>/upstream/callback/<ID>`), so a
 * fix must never invent a new one when an id is already known.
 */
import { createHash } from 'node:crypto';
import type { ConfigView } from '../../sources/files/config-view.js';
import { MAS_ULID_PATTERN } from '../../knowledge/mas-config-schema.js';

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = new RegExp(MAS_ULID_PATTERN);

export function isMasUlid(value: string): boolean {
  return ULID_RE.test(value) && value[0]! <= '7';
}

export interface UlidProblem {
  /** MAS's own wording where MAS has one */
  message: string;
  /**
   * true when MAS's parser (the `ulid` crate) still accepts the id: lowercase letters are
   * decoded case-insensitively, and a first character above 7 silently loses its high bits
   */
  accepted: boolean;
  /** why, in a sentence or two */
  explanation: string;
  /** a corrected id when the intent is unambiguous (case, look-alike letters) */
  suggestion?: string;
}

/** Crockford's decoding rules for look-alikes: O is 0, I and L are 1 (U has no meaning). */
function normaliseLookalikes(value: string): string {
  return value.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** What is wrong with an id MAS reads as a ULID, or undefined when it is fine. */
export function ulidProblem(value: string): UlidProblem | undefined {
  if (isMasUlid(value)) return undefined;
  if (value.length !== 26) {
    return {
      message: 'invalid length',
      accepted: false,
      explanation: `A ULID has exactly 26 characters; this one has ${value.length}. MAS fails to parse it and refuses to start (as in element-hq/matrix-authentication-service#2126).`,
    };
  }
  const upper = value.toUpperCase();
  if (upper !== value && isMasUlid(upper)) {
    return {
      message: `does not match the pattern \`${MAS_ULID_PATTERN}\``,
      accepted: true,
      explanation:
        'The schema MAS publishes accepts only uppercase Crockford base32. MAS’s parser reads lowercase too, but prints the id in uppercase wherever it uses it, including the callback URL `…/upstream/callback/<ID>` the identity provider must have registered (Authentik compares redirect URIs exactly), so write it in uppercase to keep config, URLs and redirect URIs identical.',
      suggestion: upper,
    };
  }
  const fixed = normaliseLookalikes(value);
  if (fixed !== upper && isMasUlid(fixed)) {
    return {
      message: 'invalid character',
      accepted: false,
      explanation:
        'Crockford base32 has no I, L, O or U, and MAS’s parser rejects them. The suggested id reads the look-alikes (O as 0, I and L as 1) the way Crockford’s decoding rules do.',
      suggestion: fixed,
    };
  }
  if (ULID_RE.test(upper) && upper[0]! > '7') {
    const effective = CROCKFORD[CROCKFORD.indexOf(upper[0]!) & 7]! + upper.slice(1);
    return {
      message: 'ULID overflow: the first character must be 0–7',
      accepted: true,
      explanation: `26 base32 characters hold 130 bits, a ULID 128, so the first character can only be 0–7. MAS’s parser silently drops the two extra bits and uses \`${effective}\` instead, which is also the id in its callback URL …/upstream/callback/${effective}.`,
      suggestion: effective,
    };
  }
  return {
    message: 'invalid character',
    accepted: false,
    explanation: `A ULID uses only the characters ${CROCKFORD} (uppercase Crockford base32, no I, L, O, U).`,
  };
}

function encodeBase32(bytes: Uint8Array, bits: number, chars: number): string {
  // big-endian bit string of `bits` bits taken from `bytes`, rendered as `chars` characters
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const total = BigInt(bytes.length * 8);
  value >>= total - BigInt(bits);
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = CROCKFORD[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** 2024-01-01T00:00:00Z: the start of the window the derived timestamps fall in. */
const WINDOW_START_MS = Date.UTC(2024, 0, 1);
/** two years, so derived ids look like ordinary recent ones */
const WINDOW_MS = 2 * 365 * 24 * 3600 * 1000;

/**
 * A ULID derived from the provider's issuer and client_id, for a fix that needs a new provider
 * id. Why derived and not random: the same input must give the same suggestion on every run,
 * because the admin registers `…/upstream/callback/<ID>` at Authentik as soon as they read it;
 * a second run suggesting another id would silently break that registration. The 48-bit time
 * part is taken from the hash too, into 2024–2025, so the id decodes to an ordinary-looking
 * creation time (MAS never interprets it; it is only a stable key) and always starts with 0,
 * which keeps it a valid ULID. The 80-bit random part is the next 10 bytes of the SHA-256.
 */
export function deriveProviderUlid(issuer: string, clientId: string): string {
  const hash = createHash('sha256').update(`ssochain/mas-upstream-provider\n${issuer}\n${clientId}`).digest();
  const timeSeed = hash.readUIntBE(0, 6);
  const time = WINDOW_START_MS + (timeSeed % WINDOW_MS);
  const timeBytes = new Uint8Array(6);
  let t = time;
  for (let i = 5; i >= 0; i--) {
    timeBytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  return encodeBase32(timeBytes, 48, 10) + encodeBase32(hash.subarray(6, 16), 80, 16);
}

/** The time a ULID encodes (for tests and messages). */
export function ulidTime(id: string): number {
  let value = 0;
  for (const ch of id.slice(0, 10)) value = value * 32 + CROCKFORD.indexOf(ch);
  return value;
}

const CALLBACK_RE = /\/upstream\/callback\/([0-9A-Za-z]{26})(?![0-9A-Za-z])/g;

/**
 * ULIDs of MAS callback URLs (`…/upstream/callback/<ULID>`) mentioned in any value of the given
 * views, in document order, deduplicated and uppercased. Such a URL is usually the redirect URI
 * already registered at the identity provider, so its id is the one to keep.
 */
export function callbackUlidsIn(views: readonly ConfigView[]): string[] {
  const found: string[] = [];
  for (const view of views) {
    for (const entry of view.scalars()) {
      if (entry.isKey) continue;
      for (const match of entry.value.matchAll(CALLBACK_RE)) {
        const id = match[1]!.toUpperCase();
        if (isMasUlid(id) && !found.includes(id)) found.push(id);
      }
    }
  }
  return found;
}
