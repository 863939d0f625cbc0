/**
 * Which MAS config values are credentials, and how to mention any value in a finding without
 * ever printing one. Findings are rendered, pasted into forums and stored in bundles, so the
 * rule is simple: a credential's value never leaves this module, only its shape.
 */
import type { PathSeg } from '../../sources/files/config-view.js';
import { isRecord } from './config-data.js';

const SECRET_NAME = /(secret|password|passwd|token|private_key|^key$|^encryption$|_key$|dsn)/i;
const NOT_SECRET =
  /(_file|_path|_dir|_method|_alg|_required|_endpoint|_entrypoint|_id|_enabled|_allowed|_ttl|^site_key)$/i;

/** True when the value at `path` is (or may embed) a credential. */
export function isSecretPath(path: readonly PathSeg[]): boolean {
  const last = [...path].reverse().find((seg): seg is string => typeof seg === 'string');
  if (last === undefined) return false;
  // database.uri may carry the password (postgresql://user:pass@host/db)
  if (last === 'uri' && path[0] === 'database') return true;
  // upstream provider key ids (`key_id`) and JWK public parts are not secrets; keys are
  if (SECRET_NAME.test(last) && !NOT_SECRET.test(last)) return true;
  return false;
}

/** A short, safe rendering of a value for evidence: credentials become their shape only. */
export function describeValue(path: readonly PathSeg[], value: unknown, max = 120): string {
  if (isSecretPath(path)) {
    if (typeof value === 'string') return `<redacted, ${value.length} characters>`;
    if (value === null || value === undefined) return '<unset>';
    return '<redacted>';
  }
  if (value === undefined) return '<absent>';
  if (value === null) return '<null>';
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  if (isRecord(value)) return `{ ${Object.keys(value).join(', ')} }`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
