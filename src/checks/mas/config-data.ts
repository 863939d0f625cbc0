/**
 * Small readers for an untyped MAS config tree. The config comes from users, so every reader
 * tolerates any shape (a list where a map was expected, a number for a string) without throwing.
 */
import type { PathSeg } from '../../sources/files/config-view.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getAt(data: unknown, path: readonly PathSeg[]): unknown {
  let node = data;
  for (const seg of path) {
    if (typeof seg === 'number') node = Array.isArray(node) ? node[seg] : undefined;
    else node = isRecord(node) ? node[seg] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

export function hasKey(data: unknown, key: string): boolean {
  return isRecord(data) && Object.prototype.hasOwnProperty.call(data, key);
}

/** A string value, or undefined for anything else (numbers are not silently coerced). */
export function stringAt(data: unknown, path: readonly PathSeg[]): string | undefined {
  const value = getAt(data, path);
  return typeof value === 'string' ? value : undefined;
}

/** A value MAS treats as present: YAML null (`key:` with nothing after it) counts as absent. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export interface ProviderEntry {
  index: number;
  path: PathSeg[];
  provider: Record<string, unknown>;
}

/** The mapping entries of `upstream_oauth2.providers`, with their index and path. */
export function providerEntries(data: unknown): ProviderEntry[] {
  const list = getAt(data, ['upstream_oauth2', 'providers']);
  if (!Array.isArray(list)) return [];
  const out: ProviderEntry[] = [];
  list.forEach((provider, index) => {
    if (isRecord(provider)) out.push({ index, path: ['upstream_oauth2', 'providers', index], provider });
  });
  return out;
}

/**
 * A path the way MAS prints it in its own errors: dotted, list indexes as plain numbers
 * (`upstream_oauth2.providers.0.claims_imports.localpart`).
 */
export function masPath(path: readonly PathSeg[]): string {
  return path.map(String).join('.');
}
