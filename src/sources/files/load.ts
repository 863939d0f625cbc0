import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, Scalar, type Document } from 'yaml';
import { makeFinding } from '../../checks/finding.js';
import { InputError, SsochainError } from '../../errors.js';
import type { Finding } from '../../report/types.js';
import {
  fileMapper,
  YamlConfigView,
  type ConfigKind,
  type ConfigView,
  type PathSeg,
  type PositionMapper,
} from './config-view.js';
import { detectKind, kindFromFileName, settleKind } from './detect.js';
import { parseYamlText } from './parse-yaml.js';

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** How the loader reaches SOPS; injected so the loader stays testable and SOPS stays optional. */
export interface SopsAdapter {
  /** decrypts a whole SOPS file in memory; throws SopsError (ERR_SOPS_*) on failure */
  decrypt(text: string, file: string): Promise<unknown>;
  /** true when identities are available at all (else the file is reported as not checked) */
  hasIdentities(): Promise<boolean>;
}

export interface LoadOptions {
  sops?: SopsAdapter;
  maxBytes?: number;
  /** the name to show for the file in findings (defaults to the path as given) */
  displayName?: string;
  /** report a SOPS file that no given identity opens as bad input instead of a finding */
  wrongKeyIsInputError?: boolean;
}

export interface LoadedInput {
  file: string;
  views: ConfigView[];
  /** problems found while loading (SOPS could not be opened, nothing recognisable inside...) */
  findings: Finding[];
  /** human notes: what was found where, what could not be checked */
  notes: string[];
}

/** One layer of text: its line table and how its offsets map into the file the user named. */
interface TextLayer {
  text: string;
  lineCounter: LineCounter;
  mapper: PositionMapper | null;
  anchor: { line: number; column: number };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeReadError(file: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${code ?? 'unknown error'})`;
  return new InputError(`${file}: ${reason}`, file, undefined, { cause: err });
}

/** Reads a config file as UTF-8 text, refusing what cannot be a config: empty, huge or binary. */
export async function readConfigText(
  path: string,
  display: string,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (info.size > maxBytes) {
      throw new InputError(
        `${display}: the file is too large to be a configuration (${(info.size / 1048576).toFixed(1)} MiB; the limit is ${(maxBytes / 1048576).toFixed(0)} MiB)`,
        display,
      );
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof SsochainError) throw err;
    throw describeReadError(display, err);
  }
  if (bytes.length > maxBytes)
    throw new InputError(`${display}: the file is too large to be a configuration`, display);
  if (bytes.includes(0)) throw new InputError(`${display}: the file is binary, not YAML or JSON`, display);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).toString('latin1').split('\n').length;
    throw new InputError(`${display}:${line}: the file is not valid UTF-8 text`, display, line);
  }
  if (text.replace(/^\uFEFF/, '').trim() === '')
    throw new InputError(`${display}: the file is empty`, display);
  return text;
}

function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, i + 1));
    } catch {
      // a multi-byte sequence may just be incomplete here; only a failure that persists counts
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.min(bytes.length, i + 4)));
      } catch {
        return i;
      }
    }
  }
  return bytes.length;
}

function getNode(doc: Document, root: unknown, path: PathSeg[]): unknown {
  let node = root;
  for (const seg of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    node = pair?.value;
  }
  void doc;
  return node;
}

/**
 * A position mapper for text held in a block scalar (`key: |`) of an outer layer: inner
 * line k is outer line header+k, shifted right by the block's indentation.
 */
function blockScalarLayer(outer: TextLayer, node: Scalar, inner: string): TextLayer | null {
  if (!outer.mapper || !node.range) return null;
  if (node.type !== Scalar.BLOCK_LITERAL) return null;
  const headerLine = outer.lineCounter.linePos(node.range[0]).line;
  const starts = outer.lineCounter.lineStarts;
  let indent = 0;
  for (let l = headerLine; l < starts.length; l++) {
    const start = starts[l]!;
    const end = starts[l + 1] ?? outer.text.length;
    const line = outer.text.slice(start, end).replace(/\r?\n$/, '');
    if (line.trim() === '') continue;
    indent = line.length - line.trimStart().length;
    break;
  }
  const outerMapper = outer.mapper;
  const layer: TextLayer = {
    text: inner,
    lineCounter: new LineCounter(),
    mapper: null,
    anchor: outerMapper(node.range[0]),
  };
  // reads layer.lineCounter when called: the parser fills it after this layer is made
  layer.mapper = (offset) => {
    const p = layer.lineCounter.linePos(offset);
    const lineStart = starts[headerLine + p.line - 1];
    if (lineStart === undefined) return layer.anchor;
    return outerMapper(lineStart + indent + p.col - 1);
  };
  return layer;
}

export class ConfigLoader {
  private readonly views: ConfigView[] = [];
  private readonly findings: Finding[] = [];
  private readonly notes: string[] = [];

  constructor(
    private readonly file: string,
    private readonly options: LoadOptions,
  ) {}

  private anchorOf(layer: TextLayer, node: unknown): { line: number; column: number } {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range && layer.mapper ? layer.mapper(range[0]) : layer.anchor;
  }

  async load(text: string): Promise<LoadedInput> {
    const lineCounter = new LineCounter();
    const layer: TextLayer = {
      text,
      lineCounter,
      mapper: fileMapper(lineCounter),
      anchor: { line: 1, column: 1 },
    };
    const parsed = parseYamlText(text, this.file, undefined, lineCounter);
    for (const [index, doc] of parsed.docs.entries()) {
      if (doc.contents === null) continue;
      let data: unknown = doc.toJS({ maxAliasCount: 1000 });
      let encrypted = false;
      if (isRecord(data) && isRecord(data.sops) && ('mac' in data.sops || 'age' in data.sops)) {
        const decrypted = await this.decrypt(text, doc, layer, parsed.docs.length);
        if (decrypted === undefined) continue;
        data = decrypted;
        encrypted = true;
      }
      const via = parsed.docs.length > 1 ? [`document ${index + 1}`] : [];
      this.visit(data, doc, doc.contents, layer, via, encrypted, false, kindFromFileName(this.file));
    }
    if (this.views.length === 0 && this.findings.length === 0) {
      this.notes.push(`${this.file}: nothing recognisable as a MAS, Synapse or ESS configuration`);
    }
    return { file: this.file, views: this.views, findings: this.findings, notes: this.notes };
  }

  private async decrypt(text: string, doc: Document, layer: TextLayer, docCount: number): Promise<unknown> {
    const sopsNode = getNode(doc, doc.contents, ['sops']);
    const anchor = this.anchorOf(
      layer,
      (sopsNode as { range?: unknown }) ? findKeyNode(doc, 'sops') : undefined,
    );
    const location = { file: this.file, line: anchor.line, column: anchor.column };
    const subject = `file/${this.file}`;
    if (docCount > 1) {
      this.notes.push(`${this.file}: SOPS files with several YAML documents are not decrypted`);
      return undefined;
    }
    if (!this.options.sops || !(await this.options.sops.hasIdentities())) {
      this.findings.push(
        makeFinding('sops-not-checked', {
          subject,
          detail:
            'The file is SOPS-encrypted and no age identity was given, so its contents were not checked.',
          fix: {
            summary:
              'Pass --age-key-file, or set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, to check the decrypted contents in memory.',
          },
          location,
        }),
      );
      return undefined;
    }
    try {
      const data = await this.options.sops.decrypt(text, this.file);
      if (isRecord(data)) delete data.sops;
      return data;
    } catch (err) {
      if (!(err instanceof SsochainError)) throw err;
      if (err.code === 'ERR_SOPS_MAC') {
        this.findings.push(
          makeFinding('sops-mac-mismatch', {
            subject,
            detail: `${err.message.replace(/\.$/, '')}. Flux does not check the MAC by default, so the cluster may be running content nobody encrypted.`,
            fix: {
              summary:
                'Restore the file from Git, or make the change again through sops (`sops edit`, or `ssochain sops decrypt` then `ssochain sops encrypt --in-place`) so the MAC is recomputed.',
            },
            location,
          }),
        );
      } else if (err.code === 'ERR_SOPS_NO_IDENTITY') {
        this.findings.push(
          makeFinding('sops-not-checked', {
            subject,
            detail: err.message,
            location,
            fix: { summary: 'Give an age identity with --age-key-file.' },
          }),
        );
      } else if (this.options.wrongKeyIsInputError) {
        // lint: the file could not be checked at all, so it is bad input (exit 2), named as such
        throw new InputError(
          `${err.message.replace(/^[^:]+: /, `${this.file}: `)} (sops-decrypt-failed)`,
          this.file,
          undefined,
          { cause: err },
        );
      } else {
        this.findings.push(
          makeFinding('sops-decrypt-failed', {
            subject,
            detail: err.message,
            fix: {
              summary:
                "Use the age identity whose public key is among the file's recipients (sops.age[].recipient).",
            },
            location,
          }),
        );
      }
      return undefined;
    }
  }

  /** Looks at one document (or embedded document) and records the views it holds. */
  private visit(
    data: unknown,
    doc: Document,
    root: unknown,
    layer: TextLayer,
    via: string[],
    encrypted: boolean,
    fragment: boolean,
    hint?: ConfigKind,
  ): void {
    const kind = settleKind(detectKind(data), data, hint);
    const anchor = this.anchorOf(layer, root);
    const makeView = (k: ConfigKind, d: unknown, r: unknown, v: string[], frag: boolean) =>
      new YamlConfigView(
        k,
        this.file,
        v,
        doc,
        d,
        encrypted ? null : layer.mapper,
        this.anchorOf(layer, r),
        encrypted,
        frag,
        r,
      );
    switch (kind) {
      case 'mas':
      case 'synapse': {
        // a fragment is merged with other pieces before the service reads it; only a document
        // that carries the sections every whole config has is judged as complete
        void fragment;
        this.views.push(makeView(kind, data, root, via, !looksWhole(kind, data)));
        return;
      }
      case 'ess-values': {
        const view = makeView('ess-values', data, root, via, true);
        this.views.push(view);
        this.visitEssEmbedded(view, data, doc, root, layer, via, encrypted);
        return;
      }
      case 'k8s-secret':
      case 'k8s-configmap': {
        if (!isRecord(data)) return;
        for (const field of ['stringData', 'data', 'binaryData'] as const) {
          const entries = data[field];
          if (!isRecord(entries)) continue;
          for (const [key, raw] of Object.entries(entries)) {
            if (typeof raw !== 'string') continue;
            const base64 = field !== 'stringData' && kind === 'k8s-secret';
            let inner = raw;
            if (base64) {
              const decoded = Buffer.from(raw.replace(/\s+/g, ''), 'base64');
              inner = decoded.toString('utf8');
              if (decoded.includes(0) || inner.includes('\uFFFD')) continue;
            }
            if (!/\.(ya?ml|json)$/i.test(key) && !/^\s*[\w"'{-]/.test(inner)) continue;
            const valueNode = getNode(doc, root, [field, key]);
            this.visitEmbeddedText(
              inner,
              valueNode,
              doc,
              layer,
              [...via, `${field}.${key}`],
              encrypted || base64,
              kindFromFileName(key),
              fragment || key !== 'config.yaml',
            );
          }
        }
        return;
      }
      case 'helmrelease': {
        if (!isRecord(data) || !isRecord(data.spec)) return;
        if (isRecord(data.spec.values)) {
          this.visit(
            data.spec.values,
            doc,
            getNode(doc, root, ['spec', 'values']),
            layer,
            [...via, 'spec.values'],
            encrypted,
            true,
            'ess-values',
          );
        }
        if (Array.isArray(data.spec.valuesFrom) && data.spec.valuesFrom.length) {
          const refs = data.spec.valuesFrom
            .filter(isRecord)
            .map((r) => `${String(r.kind)}/${String(r.name)}`);
          this.notes.push(
            `${this.file}: HelmRelease takes values from ${refs.join(', ')}; lint those files too to check them`,
          );
        }
        void anchor;
        return;
      }
      default:
        return;
    }
  }

  private visitEmbeddedText(
    inner: string,
    valueNode: unknown,
    doc: Document,
    outer: TextLayer,
    via: string[],
    opaque: boolean,
    hint: ConfigKind | undefined,
    fragment: boolean,
  ): void {
    const layer: TextLayer = (!opaque &&
      isScalar(valueNode) &&
      blockScalarLayer(outer, valueNode as Scalar, inner)) || {
      text: inner,
      lineCounter: new LineCounter(),
      mapper: null,
      anchor: this.anchorOf(outer, valueNode),
    };
    const where = via.join(' › ');
    const parsed = parseYamlText(
      inner,
      layer.mapper ? this.file : `${this.file} (${where})`,
      layer.mapper ?? undefined,
      layer.lineCounter,
    );
    const innerDoc = parsed.docs[0];
    if (!innerDoc || innerDoc.contents === null) return;
    const data = innerDoc.toJS({ maxAliasCount: 1000 });
    if (!isRecord(data)) return;
    this.visit(data, innerDoc, innerDoc.contents, layer, via, false, fragment, hint);
  }

  /** ESS merges `additional.<name>.config` strings into the MAS and Synapse configs. */
  private visitEssEmbedded(
    view: ConfigView,
    data: unknown,
    doc: Document,
    root: unknown,
    layer: TextLayer,
    via: string[],
    encrypted: boolean,
  ): void {
    if (!isRecord(data)) return;
    void view;
    for (const [component, kind] of [
      ['matrixAuthenticationService', 'mas'],
      ['synapse', 'synapse'],
    ] as const) {
      const section = data[component];
      if (!isRecord(section) || !isRecord(section.additional)) continue;
      for (const [name, entry] of Object.entries(section.additional)) {
        if (!isRecord(entry) || typeof entry.config !== 'string') continue;
        const node = getNode(doc, root, [component, 'additional', name, 'config']);
        const innerLayerOuter: TextLayer = encrypted ? { ...layer, mapper: null } : layer;
        this.visitEmbeddedText(
          entry.config,
          node,
          doc,
          innerLayerOuter,
          [...via, `${component}.additional.${name}.config`],
          encrypted,
          kind,
          true,
        );
      }
    }
  }
}

function looksWhole(kind: 'mas' | 'synapse', data: unknown): boolean {
  if (!isRecord(data)) return false;
  return kind === 'mas' ? 'secrets' in data && 'matrix' in data : 'server_name' in data;
}

function findKeyNode(doc: Document, key: string): unknown {
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key)?.key;
}

/** Reads one file and returns every configuration document found in it, with positions. */
export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<LoadedInput> {
  const display = options.displayName ?? path;
  const text = await readConfigText(path, display, options.maxBytes);
  return new ConfigLoader(display, options).load(text);
}

/** The same from text already in memory (stdin, tests, a decrypted GitOps file). */
export async function loadConfigText(
  text: string,
  display: string,
  options: LoadOptions = {},
): Promise<LoadedInput> {
  return new ConfigLoader(display, options).load(text);
}
