import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { InputError } from '../../errors.js';
import { ScenarioFileSchema, type ScenarioFile, type ServiceName } from './schema.js';

/** The catalogue ships with the package, beside dist/ and src/. */
export const CATALOGUE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scenarios');
export const DEFAULT_SCENARIO = 'seed';

export interface LoadedScenarioText {
  name: string;
  file: string;
  dir: string;
  text: string;
}

export function listScenarios(dir = CATALOGUE_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** Finds a scenario by catalogue name or by file path. */
export function readScenario(ref: { name?: string; file?: string }, dir = CATALOGUE_DIR): LoadedScenarioText {
  const file = ref.file ? path.resolve(ref.file) : path.join(dir, `${ref.name ?? DEFAULT_SCENARIO}.yaml`);
  if (!existsSync(file)) {
    if (ref.file) throw new InputError(`${ref.file}: no such scenario file`, ref.file);
    const known = listScenarios(dir);
    throw new InputError(`unknown scenario '${ref.name}'; known scenarios: ${known.join(', ') || '(none)'}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      file,
    );
  }
  return { name: ref.name ?? path.basename(file, '.yaml'), file, dir: path.dirname(file), text };
}

/**
 * Substitutes the stack's URLs into the scenario text. Placeholders are `${AUTHENTIK_URL}`,
 * `${MAS_URL}` and `${SYNAPSE_URL}` (env-style, so they never clash with the Jinja templates
 * that MAS configs contain), plus `${AUTHENTIK_HOSTPORT}` etc. without the scheme. `extra`
 * adds more, e.g. `${MAS_SIGNING_KEY}`: a key generated per run, as a YAML double-quoted
 * string, so no private key is ever written into a scenario file.
 */
export function substituteUrls(
  text: string,
  urls: Record<ServiceName, string>,
  extra: Record<string, string> = {},
): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (match, name: string) => {
    const m = /^(AUTHENTIK|MAS|SYNAPSE)_(URL|HOSTPORT)$/.exec(name);
    if (m) {
      const url = urls[m[1]!.toLowerCase() as ServiceName];
      return m[2] === 'URL' ? url : new URL(url).host;
    }
    return extra[name] ?? match;
  });
}

/** Parses and validates the top level of a scenario; sections are validated by their emulators. */
export function parseScenario(text: string, file: string): ScenarioFile {
  const doc = parseDocument(text, { prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new InputError(
      `${file}${line ? `:${line}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`,
      file,
      line,
    );
  }
  const result = ScenarioFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, file);
  }
  return result.data;
}
