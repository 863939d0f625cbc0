/**
 * What decryptSops returns: the plaintext, the encrypted file as parsed (for positions), and,
 * out of sight, the cipher that reencryptSops needs.
 */
import { inspect } from 'node:util';
import { isMap, isScalar, isSeq, Scalar, type Document, type LineCounter } from 'yaml';
import { UsageError } from '../errors.js';
import { Secret } from '../snapshot/secret.js';
import { stringifyDocuments, type OutputStyle, type SopsFormat } from './documents.js';
import type { SopsMetadata } from './metadata.js';
import { cloneDocument, type PathSeg } from './tree.js';
import type { ValueCipher } from './value-cipher.js';

export interface SopsDocument {
  /** the plaintext data, the `sops` key removed; integers beyond 2^53 are bigints, `bytes` Uint8Arrays */
  data: unknown;
  /** the document as parsed from the encrypted file: its nodes carry the file's offsets */
  encrypted: Document.Parsed;
  /** a decrypted copy with comments decrypted; edit it and pass the file to reencryptSops */
  plain: Document;
  /** paths of the values that were encrypted in the file (the secrets) */
  encryptedPaths: PathSeg[][];
}

export interface SourcePosition {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

// the value cipher (and so the data key) of a decrypted file, out of reach of inspect and JSON
const openedKeys = new WeakMap<DecryptedSopsFile, ValueCipher>();

export function attachCipher(file: DecryptedSopsFile, cipher: ValueCipher): void {
  openedKeys.set(file, cipher);
}

/** The cipher of a file decryptSops returned; undefined for anything else. */
export function cipherOf(file: DecryptedSopsFile): ValueCipher | undefined {
  return openedKeys.get(file);
}

/** A decrypted sops file: plaintext data, the parsed encrypted text, and what re-encryption needs. */
export class DecryptedSopsFile {
  constructor(
    readonly file: string,
    readonly format: SopsFormat,
    readonly documents: SopsDocument[],
    readonly metadata: SopsMetadata,
    /** offsets in `documents[i].encrypted` to lines: `lineCounter.linePos(node.range[0])` */
    readonly lineCounter: LineCounter,
    readonly style: OutputStyle,
    readonly macVerified: boolean,
  ) {}

  /** The plaintext data of the first (usually only) document. */
  get data(): unknown {
    return this.documents[0]?.data;
  }

  /** The first document of the encrypted file, parsed with positions. */
  get document(): Document.Parsed {
    return this.documents[0]!.encrypted;
  }

  /**
   * Where a key (or its value) of the decrypted data sits in the encrypted file. sops keeps
   * keys in clear, so every path of `data` exists there too.
   */
  locate(
    path: readonly PathSeg[],
    part: 'key' | 'value' = 'key',
    documentIndex = 0,
  ): SourcePosition | undefined {
    let node: unknown = this.documents[documentIndex]?.encrypted.contents;
    let offset: number | undefined = (node as Scalar | undefined)?.range?.[0];
    for (const [index, segment] of path.entries()) {
      if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        offset = (node as Scalar | undefined)?.range?.[0];
      } else if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return undefined;
        const wantsValue = part === 'value' && index === path.length - 1;
        offset = ((wantsValue ? pair.value : pair.key) as Scalar | null)?.range?.[0];
        node = pair.value;
      } else {
        return undefined;
      }
      if (node === undefined) return undefined;
    }
    if (offset === undefined) return undefined;
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * The data of a document with every value that was encrypted in the file and is a string
   * wrapped in a Secret, so it cannot be printed or serialised by accident.
   */
  secretData(documentIndex = 0): unknown {
    const document = this.documents[documentIndex];
    if (!document) return undefined;
    const copy = structuredClone(document.data);
    for (const path of document.encryptedPaths) {
      const parentPath = path.slice(0, -1);
      const last = path[path.length - 1]!;
      let parent: unknown = copy;
      for (const segment of parentPath) parent = (parent as Record<PathSeg, unknown>)[segment];
      const container = parent as Record<PathSeg, unknown>;
      const value = container[last];
      if (typeof value === 'string') container[last] = new Secret(value);
    }
    return copy;
  }

  /** Plaintext must not leak into a report or log by accident: JSON and inspect show a summary. */
  toJSON(): { file: string; format: SopsFormat; documents: number; macVerified: boolean } {
    return {
      file: this.file,
      format: this.format,
      documents: this.documents.length,
      macVerified: this.macVerified,
    };
  }

  [inspect.custom](): string {
    return `DecryptedSopsFile(${this.file}, ${this.documents.length} document(s), plaintext hidden)`;
  }

  /** The plaintext, for stdout only: YAML keeps the decrypted comments. */
  plaintext(format: SopsFormat = this.format): string {
    if (format === this.format) {
      return stringifyDocuments(
        this.documents.map((d) => d.plain),
        this.style,
      );
    }
    if (format === 'json') {
      if (this.documents.length !== 1)
        throw new UsageError(`${this.file}: a multi-document YAML file cannot be written as JSON`);
      return toJsonText(this.data) + '\n';
    }
    // JSON to YAML: the plain documents are JSON-shaped flow nodes; write them as block YAML
    const blockDocs = this.documents.map((d) => {
      const copy = cloneDocument(d.plain);
      for (const node of allCollections(copy.contents)) node.flow = false;
      for (const node of allScalars(copy.contents))
        if (node.type === Scalar.QUOTE_DOUBLE) node.type = undefined;
      return copy;
    });
    return stringifyDocuments(blockDocs, { format: 'yaml', indent: 2, indentSeq: true });
  }
}

function* allCollections(node: unknown): Generator<{ flow?: boolean }> {
  if (isMap(node)) {
    yield node;
    for (const pair of node.items) yield* allCollections(pair.value);
  } else if (isSeq(node)) {
    yield node;
    for (const item of node.items) yield* allCollections(item);
  }
}

function* allScalars(node: unknown): Generator<Scalar> {
  if (isScalar(node)) yield node;
  else if (isMap(node)) {
    for (const pair of node.items) {
      yield* allScalars(pair.key);
      yield* allScalars(pair.value);
    }
  } else if (isSeq(node)) for (const item of node.items) yield* allScalars(item);
}

/** JSON for the plaintext output: bigints stay numbers, bytes become base64 (as Go's JSON does). */
function toJsonText(data: unknown): string {
  return JSON.stringify(
    data,
    (_key, value: unknown) => {
      if (typeof value === 'bigint') return `\u0000bigint:${value}`;
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      return value;
    },
    2,
  ).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
