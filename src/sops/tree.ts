/**
 * Walking a document the way sops walks its tree: leaves in document order, each with the map
 * keys above it (the additional data of its encryption; list positions do not count), and each
 * comment line with the keys of the mapping or list it sits in.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, Scalar, visit, type Document, type Node } from 'yaml';
import { goScalarFromJs, type GoScalar } from './go-values.js';
import { SOPS_KEY } from './metadata.js';

export type PathSeg = string | number;

export interface LeafContext {
  /** the map keys above the value: what sops binds it to */
  keyPath: readonly string[];
  /** the full path, list indices included: what callers use to find the value */
  nodePath: readonly PathSeg[];
}

export interface TreeVisitor {
  /** a scalar leaf; the visitor may change it in place */
  leaf(node: Scalar, context: LeafContext): void;
  /** one comment line (the text after `#`); returns the line to keep */
  commentLine(text: string, keyPath: readonly string[]): string;
  /** a mapping key as a string; throws for keys sops cannot take */
  keyName(node: unknown, nodePath: readonly PathSeg[]): string;
}

function mapCommentLines(comment: string, rewrite: (line: string) => string): string {
  return comment
    .split('\n')
    .map((line) => (line === '' ? line : rewrite(line)))
    .join('\n');
}

function visitComments(
  node: { commentBefore?: string | null; comment?: string | null },
  keyPath: readonly string[],
  visitor: TreeVisitor,
): void {
  const rewrite = (line: string): string => visitor.commentLine(line, keyPath);
  if (node.commentBefore) node.commentBefore = mapCommentLines(node.commentBefore, rewrite);
  if (node.comment) node.comment = mapCommentLines(node.comment, rewrite);
}

function walkValue(
  value: unknown,
  keyPath: readonly string[],
  nodePath: readonly PathSeg[],
  containerKeyPath: readonly string[],
  visitor: TreeVisitor,
): void {
  if (isMap(value)) {
    visitComments(value, keyPath, visitor);
    for (const pair of value.items) {
      if (isScalar(pair.key)) visitComments(pair.key, keyPath, visitor);
      const key = visitor.keyName(pair.key, nodePath);
      walkValue(pair.value, [...keyPath, key], [...nodePath, key], keyPath, visitor);
    }
  } else if (isSeq(value)) {
    visitComments(value, keyPath, visitor);
    value.items.forEach((item, index) => walkValue(item, keyPath, [...nodePath, index], keyPath, visitor));
  } else if (isScalar(value)) {
    // comments beside a scalar belong to the mapping or list holding it
    visitComments(value, containerKeyPath, visitor);
    visitor.leaf(value, { keyPath, nodePath });
  } else if (isAlias(value)) {
    throw new Error('aliases must be expanded before walking');
  }
  // null: an absent value, which sops skips
}

/** Visits every comment and leaf of a document, the `sops` key excepted, in document order. */
export function walkDocument(doc: Document, visitor: TreeVisitor): void {
  const rewrite = (line: string): string => visitor.commentLine(line, []);
  if (doc.commentBefore) doc.commentBefore = mapCommentLines(doc.commentBefore, rewrite);
  if (doc.comment) doc.comment = mapCommentLines(doc.comment, rewrite);
  const contents = doc.contents;
  if (isMap(contents)) {
    visitComments(contents, [], visitor);
    for (const pair of contents.items) {
      if (isScalar(pair.key)) visitComments(pair.key, [], visitor);
      const key = visitor.keyName(pair.key, []);
      if (key === SOPS_KEY) continue;
      walkValue(pair.value, [key], [key], [], visitor);
    }
  }
}

/**
 * Replaces every alias with a copy of what it points at. sops reads aliases as copies and
 * never writes them; a shared node would otherwise be encrypted once, under one key path,
 * and fail to decrypt under the other.
 */
export function expandAliases(doc: Document): void {
  visit(doc, {
    Alias(_key, alias) {
      const target = alias.resolve(doc);
      if (!target) throw new Error(`alias *${alias.source} points at nothing`);
      const copy = target.clone() as Node;
      if ('anchor' in copy) copy.anchor = undefined;
      return copy;
    },
  });
}

/** Removes the top-level `sops` pair (sops removes it from every document). */
export function removeSopsKey(doc: Document): void {
  if (isMap(doc.contents)) {
    doc.contents.items = doc.contents.items.filter(
      (pair) => !(isScalar(pair.key) && pair.key.value === SOPS_KEY),
    );
  }
}

// What we know about a scalar's Go value, for as long as the caller has not changed the value:
// either the Go value itself (a value we decrypted) or "read it from the source text" (a value
// we parsed, whose `source` the yaml package keeps).
interface ScalarOrigin {
  value: unknown;
  go?: GoScalar;
}
const origins = new WeakMap<Scalar, ScalarOrigin>();

export function rememberParsed(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      origins.set(node, { value: node.value });
    },
  });
}

export function rememberGoValue(node: Scalar, go: GoScalar): void {
  origins.set(node, { value: node.value, go });
}

/**
 * The Go value of a scalar: as parsed from its source text while the value is unchanged,
 * else from the JavaScript value a caller put there.
 */
export function goValueOf(node: Scalar, resolveSource: (node: Scalar) => GoScalar): GoScalar {
  const origin = origins.get(node);
  if (origin && Object.is(origin.value, node.value)) return origin.go ?? resolveSource(node);
  return goScalarFromJs(node.value);
}

/** Document.clone(), keeping what we know about each scalar's Go value. */
export function cloneDocument<T extends Document>(doc: T): T {
  const copy = doc.clone() as T;
  const copyOrigins = (from: unknown, to: unknown): void => {
    if (isScalar(from) && isScalar(to)) {
      const origin = origins.get(from);
      if (origin) origins.set(to, origin);
    } else if (isCollection(from) && isCollection(to)) {
      from.items.forEach((item, index) => {
        const other = to.items[index];
        if (isMap(from) && isMap(to)) {
          const [a, b] = [from.items[index], to.items[index]];
          copyOrigins(a?.key, b?.key);
          copyOrigins(a?.value, b?.value);
        } else {
          copyOrigins(item, other);
        }
      });
    }
  };
  copyOrigins(doc.contents, copy.contents);
  return copy;
}
