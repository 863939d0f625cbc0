/**
 * Columns inside a scalar. The view tells where each scalar starts, not how it was written, so
 * an offset inside the value can only be added when the way it was written is certain enough:
 * single-line, not decrypted from SOPS (whose positions are the key's), and with no character
 * that quoting would have escaped. The value then either had no reason to be quoted (plain:
 * the text starts at the scalar) or had to be (it starts after the opening quote). When in
 * doubt, the scalar's start is returned: never wrong, only less precise.
 */
import type { Location } from '../../report/types.js';

/** True when a YAML writer had no reason to quote the value (so it was most likely plain). */
export function couldBePlain(value: string): boolean {
  if (value === '' || value !== value.trim()) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(value)) return false;
  if (/: | #/.test(value)) return false;
  return !/^(true|false|null|~|[-+]?\d+(\.\d+)?)$/i.test(value);
}

/** True when the value must have been quoted (or written as a block scalar). */
function mustBeQuoted(value: string): boolean {
  return /^[[\]{}&*!|>%@`,]/.test(value);
}

export function locationWithin(start: Location, value: string, index: number, encrypted: boolean): Location {
  if (encrypted || value.includes('\n') || /["'\\]/.test(value)) return start;
  if (couldBePlain(value)) return { ...start, column: start.column + index };
  if (mustBeQuoted(value)) return { ...start, column: start.column + 1 + index };
  return start;
}
