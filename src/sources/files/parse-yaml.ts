import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { InputError } from '../../errors.js';
import { fileMapper, YamlConfigView, type ConfigKind, type PositionMapper } from './config-view.js';

export interface ParsedYaml {
  docs: Document[];
  lineCounter: LineCounter;
}

/**
 * Parses YAML (or JSON, a subset) into documents with positions. A syntax error becomes an
 * InputError naming the file and line, in one sentence.
 */
export function parseYamlText(
  text: string,
  file: string,
  mapper?: PositionMapper,
  lineCounter = new LineCounter(),
): ParsedYaml {
  let docs: Document[];
  try {
    docs = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      strict: false,
    }) as Document[];
  } catch (err) {
    throw new InputError(
      `${file}: cannot parse as YAML (${(err as Error).message.split('\n')[0]})`,
      file,
      undefined,
      { cause: err },
    );
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.pos ? (mapper ?? fileMapper(lineCounter))(error.pos[0]) : undefined;
      const where = pos ? `${file}:${pos.line}:${pos.column}` : file;
      const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new InputError(`${where}: invalid YAML: ${reason}`, file, pos?.line);
    }
  }
  return { docs, lineCounter };
}

/** Convenience for tests and simple callers: a view over a top-level YAML document. */
export function viewFromYaml(kind: ConfigKind, text: string, file = `${kind}.yaml`): YamlConfigView {
  const { docs, lineCounter } = parseYamlText(text, file);
  const doc = docs[0];
  if (!doc) throw new InputError(`${file}: the file is empty`, file);
  return new YamlConfigView(kind, file, [], doc, doc.toJS({ maxAliasCount: 1000 }), fileMapper(lineCounter), {
    line: 1,
    column: 1,
  });
}
