/** Small readers for untyped config data; checks use them so they never throw on odd shapes. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function get(data: unknown, ...path: (string | number)[]): unknown {
  let node = data;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[seg];
    } else {
      if (!isRecord(node)) return undefined;
      node = node[seg];
    }
  }
  return node;
}

export function has(data: unknown, key: string): boolean {
  return isRecord(data) && Object.prototype.hasOwnProperty.call(data, key);
}

/** True for a value the user meant as "on": YAML booleans only, as Synapse's StrictBool demands. */
export function isTrue(value: unknown): boolean {
  return value === true;
}

const SECRET_KEY = /(secret|password|passwd|token|private|api_?key|^key$|_key$|macaroon)/i;

/** True for a mapping key whose value is a credential and must never be shown. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !/(_file|_path|_method|_alg|_required|_lifetime|_endpoint)$/i.test(key);
}

/**
 * A copy of a config subtree fit for a fix snippet: every credential value is replaced by a
 * placeholder telling the admin to keep the value they already have.
 */
export function maskSecrets(value: unknown, keyName = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, keyName));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  if (keyName && isSecretKey(keyName) && (typeof value === 'string' || typeof value === 'number')) {
    return '<keep your existing value>';
  }
  return value;
}

/** Every credential-looking string value in a tree, for the output redactor. */
export function collectSecretValues(value: unknown, keyName = '', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => collectSecretValues(v, keyName, out));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) collectSecretValues(v, k, out);
  else if (typeof value === 'string' && keyName && isSecretKey(keyName)) out.push(value);
  return out;
}
