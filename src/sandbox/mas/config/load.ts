import { parseDocument } from 'yaml';
import { MasError } from '../errors.js';
import { decodeConfig, type ReadConfigFile } from './decode.js';
import { FigmentError } from './figment.js';
import type { MasConfig } from './types.js';

export type LoadResult =
  | { ok: true; config: MasConfig; value: unknown }
  | {
      ok: false;
      /** what MAS prints before exiting (after `Error: `) */
      error: string;
      kind: 'yaml' | 'config' | 'io';
    };

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * figment's `admerge` (what MAS does with several `--config` files) and ESS's render-config:
 * maps merge recursively, arrays are appended, anything else is replaced by the later value.
 */
export function admerge(base: unknown, over: unknown): unknown {
  if (isDict(base) && isDict(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? admerge(out[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over;
}

export function parseYamlValue(text: string, configPath: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line} column ${pos.col}` : '';
    throw new FigmentError(`${err.message.split('\n')[0]}${where} in ${configPath} YAML file`, [], false);
  }
  return doc.toJS({ maxAliasCount: -1 }) ?? {};
}

/** Loads the configuration as `mas-cli server` would, or says why MAS would refuse to start. */
export function loadMasConfig(
  texts: string[],
  options: { configPath?: string; readFile: ReadConfigFile },
): LoadResult {
  const configPath = options.configPath ?? 'config.yaml';
  let value: unknown = {};
  try {
    for (const text of texts) value = admerge(value, parseYamlValue(text, configPath));
  } catch (err) {
    if (err instanceof FigmentError) return { ok: false, error: err.display(configPath), kind: 'yaml' };
    throw err;
  }
  // a file MAS cannot read stops it with the I/O error's message
  const readFile = (file: string): string => {
    try {
      return options.readFile(file);
    } catch (err) {
      throw err instanceof MasError ? err : new MasError(String((err as Error)?.message ?? err));
    }
  };
  try {
    return { ok: true, config: decodeConfig(value, readFile), value };
  } catch (err) {
    if (err instanceof FigmentError) return { ok: false, error: err.display(configPath), kind: 'config' };
    if (err instanceof MasError) return { ok: false, error: err.message, kind: 'io' };
    throw err;
  }
}
