/**
 * The age layer: sops writes the raw 32-byte data key into one armored age file per recipient.
 */
import { armor, Decrypter, Encrypter } from 'age-encryption';
import { InputError, SopsError, UsageError } from '../errors.js';
import type { Secret } from '../snapshot/secret.js';
import type { AgeKeyEntry } from './metadata.js';
import { DATA_KEY_BYTES } from './value-cipher.js';

/** Recipient prefixes age-encryption can encrypt to (X25519 and post-quantum hybrid). */
const SUPPORTED_RECIPIENT = /^age1(pq1)?[02-9ac-hj-np-z]+$/;

/**
 * Recovers the data key with the first recipient entry one of the identities opens.
 * Throws ERR_SOPS_DECRYPT naming the recipients when none does.
 */
export async function unwrapDataKey(
  entries: readonly AgeKeyEntry[],
  identities: readonly Secret[],
  context: { file: string; identitySources: readonly string[] },
): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  identities.forEach((identity, index) => {
    try {
      decrypter.addIdentity(identity.reveal());
    } catch {
      // never echo the key itself
      throw new InputError(`age identity ${index + 1} of ${identities.length} is not a valid age identity`);
    }
  });
  const problems: string[] = [];
  for (const entry of entries) {
    let sealed: Uint8Array;
    try {
      sealed = armor.decode(entry.enc);
    } catch (err) {
      problems.push(`the age block for ${entry.recipient} is damaged (${(err as Error).message})`);
      continue;
    }
    try {
      const key = await decrypter.decrypt(sealed);
      if (key.length !== DATA_KEY_BYTES) {
        problems.push(
          `the age block for ${entry.recipient} holds ${key.length} bytes, not a ${DATA_KEY_BYTES}-byte data key`,
        );
        continue;
      }
      return key;
    } catch (err) {
      const message = (err as Error).message;
      // the usual case, a key for someone else, needs no explanation beyond the summary
      if (!/no identity matched/.test(message)) problems.push(`${entry.recipient}: ${message}`);
    }
  }
  const recipients = entries.map((e) => e.recipient).join(', ');
  const from = context.identitySources.length ? ` from ${context.identitySources.join(', ')}` : '';
  const detail = problems.length ? `; ${problems.join('; ')}` : '';
  throw new SopsError(
    'ERR_SOPS_DECRYPT',
    `${context.file}: none of the ${identities.length} age identities${from} opens the data key (file is encrypted for ${recipients})${detail}`,
  );
}

/** Seals the data key for each recipient, one armored age file each, as sops does. */
export async function wrapDataKey(
  dataKey: Uint8Array,
  recipients: readonly string[],
): Promise<AgeKeyEntry[]> {
  const entries: AgeKeyEntry[] = [];
  for (const recipient of recipients) {
    if (!SUPPORTED_RECIPIENT.test(recipient)) {
      throw new UsageError(
        `'${recipient}' is not an age recipient ssochain can encrypt to (age1… or age1pq1…)`,
      );
    }
    const encrypter = new Encrypter();
    try {
      encrypter.addRecipient(recipient);
    } catch (err) {
      throw new UsageError(`'${recipient}' is not a valid age recipient (${(err as Error).message})`);
    }
    entries.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return entries;
}

/** Splits a comma-separated recipient list (the --age flag and SOPS_AGE_RECIPIENTS). */
export function parseRecipientList(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}
