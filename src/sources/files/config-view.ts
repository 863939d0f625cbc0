import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Document,
  type Node as YamlNode,
  type Pair,
} from 'yaml';
import type { Location } from '../../report/types.js';

export type PathSeg = string | number;
/**
 * `context` documents are not configs: they carry facts from live sources that config checks may
 * consult (the redirect URIs Authentik has registered, so a translated MAS provider reuses the
 * ULID Authentik already knows). No check judges them.
 */
export type ConfigKind = 'mas' | 'synapse' | 'ess-values' | 'context';

/** Maps an offset in a document's own text to a line/column in the file the user named. */
export type PositionMapper = (offset: number) => { line: number; column: number };

export interface ScalarEntry {
  path: PathSeg[];
  /** true when this scalar is a mapping key rather than a value */
  isKey: boolean;
  value: string;
  location: Location;
}

/**
 * One configuration document as the checks see it: the plain data (already decrypted), plus a
 * way to point at any key or value in the file the user gave us, however deeply the document
 * was embedded (a Secret's stringData, an ESS values string, a SOPS-encrypted value).
 * Checks read `data` and call `locate`; they never touch the YAML library or the disk.
 */
export interface ConfigView {
  kind: ConfigKind;
  /** the file the user named; every location points into it */
  file: string;
  /** how the document was reached inside that file, outermost first (for subjects and messages) */
  via: string[];
  data: unknown;
  /** where `path` sits (its key, or its value), falling back to the nearest ancestor that exists */
  locate(path: PathSeg[], part?: 'key' | 'value'): Location;
  /** every string scalar (keys and values) with its path and location */
  scalars(): ScalarEntry[];
  /** true when the values came out of SOPS: positions inside a value are then the value's key */
  encrypted: boolean;
  /**
   * true when the document is one piece of a config that is merged with others before the
   * service reads it (ESS `additional` entries, a values Secret): checks that need the whole
   * config (e.g. "http.public_base is missing") stay quiet on fragments.
   */
  fragment: boolean;
}

export function subjectFor(view: Pick<ConfigView, 'file' | 'via'>): string {
  return `file/${view.file}${view.via.length ? '#' + view.via.join('/') : ''}`;
}

export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function findPair(node: unknown, key: PathSeg): Pair | undefined {
  if (isMap(node)) {
    return node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key)) as
      Pair | undefined;
  }
  return undefined;
}

/**
 * A view over a parsed YAML (or JSON) document. `mapper` turns offsets in this document's text
 * into positions in the outer file; `anchor` is where to point when a node has no usable
 * range of its own (every node, for a document decoded from base64 or decrypted from SOPS).
 */
export class YamlConfigView implements ConfigView {
  constructor(
    readonly kind: ConfigKind,
    readonly file: string,
    readonly via: string[],
    readonly doc: Document,
    readonly data: unknown,
    private readonly mapper: PositionMapper | null,
    private readonly anchor: { line: number; column: number },
    readonly encrypted = false,
    readonly fragment = false,
    /** the node this view starts at; the document's root unless the view covers a sub-tree */
    private readonly root: unknown = doc.contents,
  ) {}

  private position(node: YamlNode | undefined | null): { line: number; column: number } | undefined {
    if (!node || !node.range || !this.mapper) return undefined;
    return this.mapper(node.range[0]);
  }

  private loc(pos: { line: number; column: number } | undefined): Location {
    const p = pos ?? this.anchor;
    return { file: this.file, line: p.line, column: p.column };
  }

  locate(path: PathSeg[], part: 'key' | 'value' = 'key'): Location {
    let node: unknown = this.root;
    let best: { line: number; column: number } | undefined = this.position(node as YamlNode);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (!node) break;
        best = this.position(node as YamlNode) ?? best;
        continue;
      }
      const pair = findPair(node, seg);
      if (!pair) break;
      const keyPos = this.position(pair.key as YamlNode);
      const valuePos = this.position(pair.value as YamlNode);
      best = last && part === 'value' ? (valuePos ?? keyPos ?? best) : (keyPos ?? best);
      node = pair.value;
    }
    return this.loc(best);
  }

  scalars(): ScalarEntry[] {
    const out: ScalarEntry[] = [];
    const walk = (value: unknown, node: unknown, path: PathSeg[]): void => {
      if (typeof value === 'string') {
        out.push({ path, isKey: false, value, location: this.loc(this.position(node as YamlNode)) });
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, isSeq(node) ? node.items[i] : undefined, [...path, i]));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          const pair = findPair(node, k);
          out.push({
            path: [...path, k],
            isKey: true,
            value: k,
            location: this.loc(this.position(pair?.key as YamlNode)),
          });
          walk(v, pair?.value, [...path, k]);
        }
      }
    };
    walk(this.data, this.root, []);
    return out;
  }
}

/** Position mapper for a top-level document: offsets are the file's own. */
export function fileMapper(lineCounter: LineCounter): PositionMapper {
  return (offset) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
}
