/**
 * The two stores sops files come in, YAML and JSON, both read into `yaml` Documents: the YAML
 * package parses JSON too, so one tree walker serves both and every node keeps its position.
 * Writing keeps the file's own indentation, so a re-encrypted file differs only where values did.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  visit,
  type Document,
  type Node,
} from 'yaml';
import { InputError } from '../errors.js';
import { goReadsPlainAsString } from './go-values.js';

export type SopsFormat = 'yaml' | 'json';

export interface YamlStyle {
  format: 'yaml';
  indent: number;
  /** whether `- item` lines are indented below their key */
  indentSeq: boolean;
}
export interface JsonStyle {
  format: 'json';
  indent: string;
}
export type OutputStyle = YamlStyle | JsonStyle;

export interface ParsedText {
  format: SopsFormat;
  documents: Document.Parsed[];
  lineCounter: LineCounter;
  style: OutputStyle;
}

/** By extension first (as sops does), then by content for names sops would not know. */
export function detectFormat(filename: string | undefined, text: string): SopsFormat {
  const lower = (filename ?? '').toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\s*\{/.test(text) ? 'json' : 'yaml';
}

/** The yaml package's message without its excerpt of the file, which may hold plaintext. */
function firstLineOf(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function jsonErrorLine(text: string, err: unknown): number | undefined {
  const position = /position (\d+)/.exec((err as Error).message)?.[1];
  if (position === undefined) return undefined;
  return text.slice(0, Number(position)).split('\n').length;
}

export function parseText(text: string, format: SopsFormat, file: string): ParsedText {
  if (text.includes('\0')) throw new InputError(`${file}: binary data, not ${format.toUpperCase()}`, file);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      const line = jsonErrorLine(text, err);
      throw new InputError(`${file}${line ? `:${line}` : ''}: invalid JSON`, file, line);
    }
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(documents) || documents.length === 0) {
    throw new InputError(`${file}: the file holds no document`, file);
  }
  for (const doc of documents) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      throw new InputError(
        `${file}${line ? `:${line}` : ''}: invalid ${format.toUpperCase()}: ${firstLineOf(error.message)}`,
        file,
        line,
      );
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      const line = doc.contents.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
      throw new InputError(
        `${file}${line ? `:${line}` : ''}: sops stores only documents whose top level is a mapping`,
        file,
        line,
      );
    }
  }
  if (format === 'json' && documents.length > 1)
    throw new InputError(`${file}: more than one JSON value`, file);
  return { format, documents, lineCounter, style: detectStyle(text, format) };
}

/** Indentation as the file has it; the defaults are sops' own (4 for YAML, a tab for JSON). */
export function detectStyle(text: string, format: SopsFormat): OutputStyle {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (format === 'json') {
    const indented = lines.find((l) => /^[ \t]+["{[\]}0-9tfn-]/.test(l));
    return { format, indent: indented ? (/^[ \t]+/.exec(indented)?.[0] ?? '\t') : '\t' };
  }
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  for (let i = 0; i + 1 < lines.length && (indent === undefined || indentSeq === undefined); i++) {
    const parent = lines[i]!;
    const child = lines[i + 1]!;
    // a key that opens a block: `key:` with nothing after it
    if (!/^\s*(- )?[^\s#][^#]*:\s*$/.test(parent)) continue;
    const parentIndent = /^\s*(- )?/.exec(parent)![0].length;
    const childIndent = /^\s*/.exec(child)![0].length;
    if (child.trimStart().startsWith('- ') || child.trim() === '-') {
      indentSeq ??= childIndent > parentIndent;
      if (childIndent > parentIndent) indent ??= childIndent - parentIndent;
    } else if (childIndent > parentIndent) {
      indent ??= childIndent - parentIndent;
    }
  }
  return { format, indent: indent ?? 4, indentSeq: indentSeq ?? true };
}

/**
 * Quotes strings the `yaml` package would write plain but Go would read as something else
 * (`1_000`, `0b1`), so the file says to sops what it says to us.
 */
function protectForGo(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (node.type !== undefined && node.type !== Scalar.PLAIN) return;
      if (!goReadsPlainAsString(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

export function stringifyYaml(documents: readonly Document[], style: YamlStyle): string {
  return documents
    .map((doc, index) => {
      protectForGo(doc);
      // lineWidth 0: never fold long values; an ENC[...] value must stay on one line
      const text = doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0 });
      return index > 0 && !text.startsWith('---') ? `---\n${text}` : text;
    })
    .join('');
}

function jsonScalar(node: Scalar): string {
  const value = node.value;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InputError(`${String(value)} cannot be written as JSON`);
  }
  // an unchanged number keeps the spelling it had in the file (1.0 stays 1.0)
  if (typeof value === 'number' && node.source !== undefined && Number(node.source) === value)
    return node.source;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  return JSON.stringify(typeof value === 'bigint' ? value.toString() : value).replace(/^"(-?\d+)"$/, '$1');
}

function jsonNode(node: unknown, indent: string, depth: number): string {
  const pad = indent.repeat(depth + 1);
  const close = indent.repeat(depth);
  if (isMap(node)) {
    if (node.items.length === 0) return '{}';
    const entries = node.items.map((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      return `${pad}${JSON.stringify(key)}: ${jsonNode(pair.value, indent, depth + 1)}`;
    });
    return `{\n${entries.join(',\n')}\n${close}}`;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((item) => pad + jsonNode(item, indent, depth + 1)).join(',\n')}\n${close}]`;
  }
  if (isScalar(node)) return jsonScalar(node);
  if (node === null || node === undefined) return 'null';
  throw new InputError('the document holds a node JSON cannot express');
}

export function stringifyJson(document: Document, style: JsonStyle): string {
  return jsonNode(document.contents as Node | null, style.indent, 0) + '\n';
}

export function stringifyDocuments(documents: readonly Document[], style: OutputStyle): string {
  if (style.format === 'json') {
    if (documents.length !== 1) throw new InputError('JSON holds exactly one document');
    return stringifyJson(documents[0]!, style);
  }
  return stringifyYaml(documents, style);
}
