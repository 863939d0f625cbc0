import type { Location } from '../report/types.js';
import { isRecord, isSecretKey } from '../checks/util.js';
import type { ConfigKind, ConfigView, PathSeg, ScalarEntry } from '../sources/files/config-view.js';

/**
 * A config document as a snapshot stores it: data with every credential masked, plus where each
 * key and value sat in the file. `doctor` and `analyze` both run the config checks on these, so a
 * bundle analysed offline gives the same findings, at the same lines, as the live run.
 */
export interface StoredConfigDocument {
  kind: ConfigKind;
  file: string;
  via: string[];
  fragment: boolean;
  encrypted: boolean;
  data: unknown;
  /** "<json path>|k" or "|v" → [line, column] */
  positions: Record<string, [number, number]>;
}

/**
 * Masks a credential while keeping its shape: same length, hex stays hex, other letters and
 * digits become x, punctuation stays. Format checks (a 64-hex encryption key, a non-empty secret)
 * then judge the mask as they would the value, and nothing of the value itself survives.
 */
export function maskKeepingShape(value: string): string {
  return value.replace(/[0-9a-fA-F]/g, '0').replace(/[g-zG-Z]/g, 'x');
}

function maskUrlCredentials(value: string): string {
  // postgres://user:password@host/db and friends: the password is a credential whatever the key
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@/\s]+)(@)/i,
    (_m, a: string, pw: string, b: string) => a + maskKeepingShape(pw) + b,
  );
}

export function maskConfigData(value: unknown, keyName = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskConfigData(v, keyName));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskConfigData(v, k)]));
  if (typeof value === 'string') {
    if (keyName && (isSecretKey(keyName) || /^(encryption|key)$/i.test(keyName)))
      return maskKeepingShape(value);
    return maskUrlCredentials(value);
  }
  return value;
}

const posKey = (path: readonly PathSeg[], part: 'k' | 'v') => `${JSON.stringify(path)}|${part}`;

export function storeConfigView(view: ConfigView): StoredConfigDocument {
  const positions: Record<string, [number, number]> = {};
  for (const entry of view.scalars()) {
    positions[posKey(entry.path, entry.isKey ? 'k' : 'v')] = [entry.location.line, entry.location.column];
  }
  positions[posKey([], 'k')] = (() => {
    const l = view.locate([]);
    return [l.line, l.column];
  })();
  return {
    kind: view.kind,
    file: view.file,
    via: view.via,
    fragment: view.fragment,
    encrypted: view.encrypted,
    data: maskConfigData(view.data),
    positions,
  };
}

/** A ConfigView over a stored document: the checks cannot tell it from the live one. */
export class StoredConfigView implements ConfigView {
  readonly kind: ConfigKind;
  readonly file: string;
  readonly via: string[];
  readonly data: unknown;
  readonly encrypted: boolean;
  readonly fragment: boolean;
  constructor(private readonly doc: StoredConfigDocument) {
    this.kind = doc.kind;
    this.file = doc.file;
    this.via = doc.via;
    this.data = doc.data;
    this.encrypted = doc.encrypted;
    this.fragment = doc.fragment;
  }

  locate(path: PathSeg[], part: 'key' | 'value' = 'key'): Location {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const hit =
        (n === path.length && part === 'value' ? this.doc.positions[posKey(prefix, 'v')] : undefined) ??
        this.doc.positions[posKey(prefix, 'k')] ??
        this.doc.positions[posKey(prefix, 'v')];
      if (hit) return { file: this.file, line: hit[0], column: hit[1] };
    }
    return { file: this.file, line: 1, column: 1 };
  }

  scalars(): ScalarEntry[] {
    const out: ScalarEntry[] = [];
    const walk = (value: unknown, path: PathSeg[]): void => {
      if (typeof value === 'string')
        out.push({ path, isKey: false, value, location: this.locate(path, 'value') });
      else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (isRecord(value)) {
        for (const [k, v] of Object.entries(value)) {
          out.push({ path: [...path, k], isKey: true, value: k, location: this.locate([...path, k]) });
          walk(v, [...path, k]);
        }
      }
    };
    walk(this.data, []);
    return out;
  }
}
