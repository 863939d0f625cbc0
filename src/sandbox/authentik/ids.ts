import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers. Objects declared in a scenario get stable UUIDs derived from their kind and
 * name, so two runs of the same scenario (and the tests) see the same primary keys; objects
 * created at run time get random ones, as in Authentik.
 */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return formatUuid(h.subarray(0, 16).toString('hex'));
}

export function randomUuid(): string {
  return randomUUID();
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Authentik renders model pks in event contexts as hex without dashes (`uuid.hex`). */
export function uuidHex(uuid: string): string {
  return uuid.replace(/-/g, '');
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Alphanumeric string like Authentik's `generate_id`/`generate_key`, from random bytes. */
export function randomToken(length: number): string {
  return alnum(randomBytes(length * 2), length);
}

/** Deterministic alphanumeric string (sandbox-only defaults such as generated client ids). */
export function stableToken(length: number, ...parts: string[]): string {
  const chunks: Buffer[] = [];
  let counter = 0;
  while (chunks.length * 32 < length * 2) {
    chunks.push(
      createHash('sha256')
        .update(`${counter++}\u0000${parts.join('\u0000')}`)
        .digest(),
    );
  }
  return alnum(Buffer.concat(chunks), length);
}

function alnum(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += ALNUM[bytes[i % bytes.length]! % ALNUM.length];
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function isUuid(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)
  );
}

/** Accepts a UUID with or without dashes (Django accepts both) and returns the dashed form. */
export function normalizeUuid(value: string): string {
  const hex = value.replace(/-/g, '').toLowerCase();
  return formatUuid(hex);
}
