import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const REDACTED = '<redacted>';
const values = new WeakMap<Secret, string>();

/**
 * A value that must never be printed or serialised in clear. The clear text lives in a
 * WeakMap outside the object, so neither spreading, JSON, util.inspect nor a debugger's
 * property listing can reach it; only `reveal()` can, and only code that sends it on the
 * wire or compares it should call that.
 */
export class Secret {
  constructor(value: string) {
    values.set(this, value);
    Object.freeze(this);
  }

  reveal(): string {
    return values.get(this) ?? '';
  }

  get length(): number {
    return this.reveal().length;
  }

  /** A short fingerprint that identifies the value without disclosing it. */
  fingerprint(): string {
    return createHash('sha256').update(this.reveal()).digest('hex').slice(0, 8);
  }

  /** Constant-time comparison, so comparing two secrets leaks neither. */
  equals(other: Secret | string): boolean {
    const a = Buffer.from(this.reveal());
    const b = Buffer.from(typeof other === 'string' ? other : other.reveal());
    if (a.length !== b.length) return false;
    return timingSafeEqual(a, b);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): { $secret: true; sha256: string; length: number } {
    return { $secret: true, sha256: this.fingerprint(), length: this.length };
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/**
 * Removes every known secret value from a text. Used on evidence excerpts and error
 * messages as a second line of defence behind the Secret type itself.
 */
export class Redactor {
  private readonly needles = new Set<string>();

  add(secret: Secret | string): this {
    const value = typeof secret === 'string' ? secret : secret.reveal();
    // very short values would redact ordinary words; they are not worth a false alarm
    if (value.length >= 4) this.needles.add(value);
    return this;
  }

  redact(text: string): string {
    let out = text;
    for (const needle of [...this.needles].sort((a, b) => b.length - a.length)) {
      out = out.split(needle).join(REDACTED);
    }
    return out;
  }
}
