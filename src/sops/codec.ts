/**
 * Decrypting, encrypting and re-encrypting whole sops files (YAML or JSON, age keys).
 */
import { randomBytes } from 'node:crypto';
import { isMap, isScalar, isSeq, Pair, Scalar, type Document, type LineCounter, type YAMLMap } from 'yaml';
import { InputError, SopsError, UsageError } from '../errors.js';
import { Secret } from '../snapshot/secret.js';
import { unwrapDataKey, wrapDataKey } from './data-key.js';
import { attachCipher, cipherOf, DecryptedSopsFile, type SopsDocument } from './decrypted-file.js';
import {
  detectFormat,
  parseText,
  stringifyDocuments,
  type OutputStyle,
  type SopsFormat,
} from './documents.js';
import {
  goScalarBytes,
  goScalarToJs,
  parseTypedPlaintext,
  resolveGoJsonScalar,
  resolveGoYamlScalar,
  UnsupportedValueError,
  goRfc3339,
  type GoScalar,
} from './go-values.js';
import { describeIdentitySearch, type ResolvedAgeIdentities } from './identities.js';
import { MacBuilder, macsEqual } from './mac.js';
import {
  compareVersions,
  encryptionPredicate,
  findSopsPair,
  formatLastModified,
  MetadataError,
  newMetadataObject,
  readMetadata,
  rulesForNewFile,
  SOPS_FORMAT_VERSION,
  SOPS_KEY,
  validateCryptRules,
  type CryptRules,
  type SopsMetadata,
} from './metadata.js';
import {
  cloneDocument,
  expandAliases,
  goValueOf,
  rememberGoValue,
  rememberParsed,
  removeSopsKey,
  walkDocument,
  type PathSeg,
  type TreeVisitor,
} from './tree.js';
import {
  additionalDataFor,
  DATA_KEY_BYTES,
  looksEncrypted,
  ValueCipher,
  ValueCipherError,
} from './value-cipher.js';

/** Age identities: resolved by resolveAgeIdentities (better messages), or plain key strings. */
export type AgeIdentities = ResolvedAgeIdentities | readonly (string | Secret)[];

export interface DecryptOptions {
  /** the file name, for messages and to choose YAML or JSON */
  file?: string;
  format?: SopsFormat;
  /** skip the MAC check (sops --ignore-mac); the result's `macVerified` is then false */
  ignoreMac?: boolean;
}

function resolverFor(format: SopsFormat): (node: Scalar) => GoScalar {
  return format === 'json' ? resolveGoJsonScalar : resolveGoYamlScalar;
}

function dottedPath(path: readonly PathSeg[]): string {
  return (
    path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || '(top level)'
  );
}

function normaliseIdentities(identities: AgeIdentities): ResolvedAgeIdentities {
  if (!Array.isArray(identities)) return identities as ResolvedAgeIdentities;
  const list = (identities as readonly (string | Secret)[]).map((i) =>
    typeof i === 'string' ? new Secret(i) : i,
  );
  return { identities: list, sources: [], searched: [], problems: [] };
}

/** Sets a scalar to a value we decrypted, in the style that reads back as the same Go value. */
function setDecryptedScalar(node: Scalar, go: GoScalar): void {
  node.tag = undefined;
  node.type = undefined;
  node.format = undefined;
  node.minFractionDigits = undefined;
  if (go.type === 'bytes') {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(go.value);
    node.value = text;
  } else if (go.type === 'time') {
    node.value = go.value;
  } else {
    node.value = goScalarToJs(go);
    // a float that happens to be whole keeps a ".0", so it reads back as a float
    if (go.type === 'float' && Number.isInteger(go.value)) node.minFractionDigits = 1;
  }
  rememberGoValue(node, go);
}

/** Builds the plaintext data from a decrypted document, with the Go types sops gives values. */
function dataOf(node: unknown, resolve: (node: Scalar) => GoScalar): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      // defineProperty, so a key named __proto__ stays data
      Object.defineProperty(out, key, {
        value: dataOf(pair.value, resolve),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => dataOf(item, resolve));
  if (isScalar(node)) return goScalarToJs(goValueOf(node, resolve));
  return null;
}

interface WalkContext {
  file: string;
  lineCounter: LineCounter | undefined;
  resolve: (node: Scalar) => GoScalar;
  shouldEncrypt: (keyPath: readonly string[]) => boolean;
  cipher: ValueCipher;
  mac: MacBuilder;
}

function lineOf(
  ctx: WalkContext,
  node: { range?: [number, number, number] | null } | null | undefined,
): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined || !ctx.lineCounter ? undefined : ctx.lineCounter.linePos(offset).line;
}

function where(ctx: WalkContext, node: Scalar | undefined): string {
  const line = lineOf(ctx, node);
  return line ? `${ctx.file}:${line}` : ctx.file;
}

function keyNameFor(ctx: WalkContext): TreeVisitor['keyName'] {
  return (node, nodePath) => {
    if (isScalar(node)) {
      let go: GoScalar;
      try {
        go = goValueOf(node, ctx.resolve);
      } catch {
        go = { type: 'null' };
      }
      if (go.type === 'str') return go.value;
      throw new InputError(
        `${where(ctx, node)}: key ${String(node.value)} under ${dottedPath(nodePath)} is not a string; sops supports only string keys`,
        ctx.file,
        lineOf(ctx, node),
      );
    }
    throw new InputError(
      `${ctx.file}: a complex key under ${dottedPath(nodePath)}; sops supports only string keys`,
      ctx.file,
    );
  };
}

function valueOf(ctx: WalkContext, node: Scalar): GoScalar {
  try {
    return goValueOf(node, ctx.resolve);
  } catch (err) {
    if (err instanceof UnsupportedValueError) {
      throw new InputError(`${where(ctx, node)}: ${err.message}`, ctx.file, lineOf(ctx, node));
    }
    throw err;
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Decrypts a document in place (the caller passes a copy) and feeds the MAC. */
function decryptDocumentInPlace(doc: Document, ctx: WalkContext, encryptedPaths: PathSeg[][]): void {
  walkDocument(doc, {
    keyName: keyNameFor(ctx),
    leaf(node, { keyPath, nodePath }) {
      const stored = valueOf(ctx, node);
      if (stored.type === 'null') return;
      const encrypted = ctx.shouldEncrypt(keyPath);
      let plain: GoScalar = stored;
      if (encrypted) {
        encryptedPaths.push([...nodePath]);
        const dotted = dottedPath(nodePath);
        if (stored.type !== 'str') {
          throw new SopsError(
            'ERR_SOPS_MAC',
            `${where(ctx, node)}: ${dotted} should be encrypted but holds a plain ${stored.type}; the file was edited without sops`,
          );
        }
        if (stored.value !== '') {
          let opened: ReturnType<ValueCipher['decrypt']>;
          try {
            opened = ctx.cipher.decrypt(stored.value, additionalDataFor(keyPath));
          } catch (err) {
            if (!(err instanceof ValueCipherError)) throw err;
            throw new SopsError(
              'ERR_SOPS_MAC',
              err.reason === 'auth'
                ? `${where(ctx, node)}: the encrypted value of ${dotted} fails its integrity check; it was changed or moved without sops`
                : `${where(ctx, node)}: ${dotted} should be encrypted but ${err.message}; the file was edited without sops`,
            );
          }
          const type = opened.type === 'comment' ? 'str' : opened.type;
          const parsed = parseTypedPlaintext(type, opened.plaintext);
          if (!parsed)
            throw new InputError(
              `${where(ctx, node)}: the decrypted value of ${dotted} is not a valid ${type}`,
              ctx.file,
            );
          plain = parsed;
          setDecryptedScalar(node, plain);
        }
      }
      if (plain.type !== 'null') ctx.mac.add(goScalarBytes(plain), encrypted);
    },
    commentLine(text, keyPath) {
      if (!looksEncrypted(text)) return text;
      // sops binds a comment to the keys of the mapping it sits in; the yaml package may attach
      // a comment one level deeper than Go's YAML parser did, so the enclosing levels are tried too
      for (let depth = keyPath.length; depth >= 0; depth--) {
        const candidate = keyPath.slice(0, depth);
        if (!ctx.shouldEncrypt(candidate)) continue;
        try {
          return utf8Decoder.decode(ctx.cipher.decrypt(text, additionalDataFor(candidate)).plaintext);
        } catch {
          // try the next level
        }
      }
      // like sops: a comment that does not open is kept as it is
      return text;
    },
  });
}

/** Encrypts a document in place (the caller passes a copy) and feeds the MAC. */
function encryptDocumentInPlace(doc: Document, ctx: WalkContext): void {
  walkDocument(doc, {
    keyName: keyNameFor(ctx),
    leaf(node, { keyPath }) {
      const value = valueOf(ctx, node);
      if (value.type === 'null') return;
      const encrypted = ctx.shouldEncrypt(keyPath);
      const bytes = goScalarBytes(value);
      ctx.mac.add(bytes, encrypted);
      // sops leaves empty strings as they are, encrypted or not
      if (!encrypted || (value.type === 'str' && value.value === '')) return;
      node.value = ctx.cipher.encrypt(value.type, bytes, additionalDataFor(keyPath));
      node.type = Scalar.PLAIN;
      node.tag = undefined;
      node.format = undefined;
      node.minFractionDigits = undefined;
      rememberGoValue(node, { type: 'str', value: node.value as string });
    },
    commentLine(text, keyPath) {
      // a comment already in encrypted form is one that did not open; encrypting it again would bury it
      if (!ctx.shouldEncrypt(keyPath) || looksEncrypted(text)) return text;
      return ctx.cipher.encrypt('comment', utf8.encode(text), additionalDataFor(keyPath));
    },
  });
}

function sopsFileError(file: string, err: unknown): never {
  if (err instanceof MetadataError) throw new InputError(`${file}: ${err.message}`, file);
  throw err;
}

/**
 * Decrypts a sops file held in memory. Throws SopsError ERR_SOPS_NO_IDENTITY (no identity at
 * all), ERR_SOPS_DECRYPT (no identity opens the data key) or ERR_SOPS_MAC (the MAC, or a
 * value's own authentication, does not verify: the file was changed without sops), and
 * InputError for text that is not a sops file.
 */
export async function decryptSops(
  text: string,
  identities: AgeIdentities,
  options: DecryptOptions = {},
): Promise<DecryptedSopsFile> {
  const file = options.file ?? '<input>';
  const format = options.format ?? detectFormat(options.file, text);
  const parsed = parseText(text, format, file);
  const [first] = parsed.documents;
  let metadata: SopsMetadata;
  try {
    metadata = readMetadata(first!).metadata;
  } catch (err) {
    sopsFileError(file, err);
  }
  if (metadata.age.length === 0) {
    throw new SopsError(
      'ERR_SOPS_DECRYPT',
      `${file}: the data key is held only by ${metadata.otherKeyTypes.join(', ')} keys; ssochain decrypts with age keys only`,
    );
  }
  const resolved = normaliseIdentities(identities);
  if (resolved.identities.length === 0) {
    throw new SopsError('ERR_SOPS_NO_IDENTITY', `${file}: ${describeIdentitySearch(resolved)}`);
  }
  const dataKey = await unwrapDataKey(metadata.age, resolved.identities, {
    file,
    identitySources: resolved.sources,
  });

  let shouldEncrypt: (keyPath: readonly string[]) => boolean;
  try {
    shouldEncrypt = encryptionPredicate(metadata.rules);
  } catch (err) {
    sopsFileError(file, err);
  }
  const ctx: WalkContext = {
    file,
    lineCounter: parsed.lineCounter,
    resolve: resolverFor(format),
    shouldEncrypt,
    cipher: new ValueCipher(dataKey),
    mac: new MacBuilder(metadata.macOnlyEncrypted),
  };
  const documents: SopsDocument[] = parsed.documents.map((encrypted) => {
    rememberParsed(encrypted);
    const plain = cloneDocument(encrypted);
    removeSopsKey(plain);
    expandAliases(plain);
    const encryptedPaths: PathSeg[][] = [];
    decryptDocumentInPlace(plain, ctx, encryptedPaths);
    return { data: dataOf(plain.contents, ctx.resolve), encrypted, plain, encryptedPaths };
  });

  const computedMac = ctx.mac.hex();
  if (!options.ignoreMac) verifyMac(metadata, computedMac, ctx.cipher, file);
  const result = new DecryptedSopsFile(
    file,
    format,
    documents,
    metadata,
    parsed.lineCounter,
    parsed.style,
    !options.ignoreMac,
  );
  attachCipher(result, ctx.cipher);
  return result;
}

function verifyMac(metadata: SopsMetadata, computed: string, cipher: ValueCipher, file: string): void {
  if (metadata.mac === '') {
    throw new SopsError('ERR_SOPS_MAC', `${file}: the file has no MAC; it was not written by sops`);
  }
  let stored: string;
  try {
    const opened = cipher.decrypt(metadata.mac, goRfc3339(metadata.lastModified)!);
    stored = utf8Decoder.decode(opened.plaintext);
  } catch (err) {
    if (!(err instanceof ValueCipherError)) throw err;
    throw new SopsError(
      'ERR_SOPS_MAC',
      `${file}: the MAC cannot be verified (sops.mac ${err.message} with sops.lastmodified); the metadata was edited without sops`,
    );
  }
  if (!macsEqual(stored, computed)) {
    throw new SopsError(
      'ERR_SOPS_MAC',
      `${file}: MAC mismatch: the values were changed without sops since it last wrote the file`,
    );
  }
}

/** Shorthand for YAML files: the linter's entry point (decrypted data plus the positioned Document). */
export function decryptYamlDocument(
  text: string,
  identities: AgeIdentities,
  options: Omit<DecryptOptions, 'format'> = {},
): Promise<DecryptedSopsFile> {
  return decryptSops(text, identities, { ...options, format: 'yaml' });
}

export interface EncryptOptions {
  /** age recipients (age1…); each gets its own copy of the data key */
  recipients: readonly string[];
  /** which values to encrypt; none means sops' default (all but keys ending in _unencrypted) */
  rules?: CryptRules;
  /** compute the MAC over encrypted values only */
  macOnlyEncrypted?: boolean;
  file?: string;
  format?: SopsFormat;
  /** the time recorded as lastmodified (tests pin it) */
  now?: Date;
}

/** Seals documents and appends the `sops` block to each; returns the file text. */
async function sealDocuments(
  documents: Document[],
  options: {
    file: string;
    style: OutputStyle;
    cipher: ValueCipher;
    rules: CryptRules;
    macOnlyEncrypted: boolean;
    metadataFor: (lastModified: string, mac: string, index: number, doc: Document) => YAMLMap;
    now: Date;
    lineCounter?: LineCounter;
  },
): Promise<string> {
  let shouldEncrypt: (keyPath: readonly string[]) => boolean;
  try {
    shouldEncrypt = encryptionPredicate(options.rules);
  } catch (err) {
    sopsFileError(options.file, err);
  }
  const ctx: WalkContext = {
    file: options.file,
    lineCounter: options.lineCounter,
    resolve: resolverFor(options.style.format),
    shouldEncrypt,
    cipher: options.cipher,
    mac: new MacBuilder(options.macOnlyEncrypted),
  };
  for (const doc of documents) {
    if (findSopsPair(doc)) {
      throw new InputError(
        `${options.file}: the document already has a top-level "sops" key (is it encrypted already?)`,
        options.file,
      );
    }
    expandAliases(doc);
    encryptDocumentInPlace(doc, ctx);
  }
  // lastmodified is taken after the values are encrypted, as sops does, and binds the MAC
  const lastModified = formatLastModified(options.now);
  const mac = options.cipher.encrypt('str', utf8.encode(ctx.mac.hex()), lastModified);
  documents.forEach((doc, index) => {
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap;
    (doc.contents as YAMLMap).items.push(
      new Pair(new Scalar(SOPS_KEY), options.metadataFor(lastModified, mac, index, doc)),
    );
  });
  return stringifyDocuments(documents, options.style);
}

function yamlMetadataNode(doc: Document, metadata: Record<string, unknown>): YAMLMap {
  const node = doc.createNode(metadata) as YAMLMap;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    // sops (yaml.v3) quotes the time, which would otherwise read as a timestamp
    if (key === 'lastmodified' && isScalar(pair.value)) pair.value.type = Scalar.QUOTE_DOUBLE;
    if (key === 'age' && isSeq(pair.value)) {
      for (const entry of pair.value.items) {
        const enc = isMap(entry) ? entry.get('enc', true) : undefined;
        if (isScalar(enc)) enc.type = Scalar.BLOCK_LITERAL;
      }
    }
  }
  return node;
}

/** Encrypts a plaintext YAML or JSON file for the given age recipients, as `sops encrypt` does. */
export async function encryptSops(plainText: string, options: EncryptOptions): Promise<string> {
  const file = options.file ?? '<input>';
  const format = options.format ?? detectFormat(options.file, plainText);
  const parsed = parseText(plainText, format, file);
  for (const doc of parsed.documents) rememberParsed(doc);
  return encryptSopsDocuments(parsed.documents, {
    ...options,
    file,
    style: parsed.style,
    lineCounter: parsed.lineCounter,
  });
}

/**
 * Encrypts documents built or parsed by the caller (they are copied, not changed). Parse with
 * parseSopsText, or scalars are read the way the `yaml` package reads them rather than the Go way.
 */
export async function encryptSopsDocuments(
  documents: readonly Document[],
  options: EncryptOptions & { style?: OutputStyle; lineCounter?: LineCounter },
): Promise<string> {
  const file = options.file ?? '<input>';
  if (options.recipients.length === 0) throw new UsageError(`${file}: no age recipients to encrypt for`);
  const rules = rulesForNewFile(options.rules ?? {});
  try {
    validateCryptRules(rules);
  } catch (err) {
    sopsFileError(file, err);
  }
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const age = await wrapDataKey(dataKey, options.recipients);
  const macOnlyEncrypted = options.macOnlyEncrypted ?? false;
  const style: OutputStyle =
    options.style ??
    (options.format === 'json'
      ? { format: 'json', indent: '\t' }
      : { format: 'yaml', indent: 4, indentSeq: true });
  return sealDocuments(
    documents.map((d) => cloneDocument(d)),
    {
      file,
      style,
      cipher: new ValueCipher(dataKey),
      rules,
      macOnlyEncrypted,
      now: options.now ?? new Date(),
      ...(options.lineCounter ? { lineCounter: options.lineCounter } : {}),
      metadataFor: (lastModified, mac, _index, doc) =>
        yamlMetadataNode(doc, newMetadataObject({ age, lastModified, mac, rules, macOnlyEncrypted })),
    },
  );
}

export interface ReencryptOptions {
  /** edited plaintext documents; defaults to the file's own `plain` documents */
  documents?: readonly Document[];
  now?: Date;
}

/**
 * Encrypts a decrypted (and possibly edited) file again with its own data key, recipients and
 * rules. Comments, key order, unencrypted values and formatting survive, and every value that
 * did not change keeps its exact ciphertext, so the diff shows only what was edited (plus
 * `lastmodified` and `mac`, and `version` when the file's was older).
 */
export async function reencryptSops(
  decrypted: DecryptedSopsFile,
  options: ReencryptOptions = {},
): Promise<string> {
  const cipher = cipherOf(decrypted);
  if (!cipher) throw new UsageError('reencryptSops needs a file returned by decryptSops');
  const documents = (options.documents ?? decrypted.documents.map((d) => d.plain)).map((d) =>
    cloneDocument(d),
  );
  const firstSopsNode = findSopsPair(decrypted.documents[0]!.encrypted)!.value as YAMLMap;
  return sealDocuments(documents, {
    file: decrypted.file,
    style: decrypted.style,
    cipher,
    rules: decrypted.metadata.rules,
    macOnlyEncrypted: decrypted.metadata.macOnlyEncrypted,
    now: options.now ?? new Date(),
    metadataFor: (lastModified, mac, index) => {
      // the file's own block, copied, so key order, formatting and other key types stay
      const original = decrypted.documents[index]?.encrypted;
      const own = original ? (findSopsPair(original)?.value as YAMLMap | undefined) : undefined;
      const node = (own ?? firstSopsNode).clone() as YAMLMap;
      setMetadataValue(node, 'lastmodified', lastModified);
      setMetadataValue(node, 'mac', mac);
      const version = decrypted.metadata.version;
      if (!version || compareVersions(version, SOPS_FORMAT_VERSION) < 0)
        setMetadataValue(node, 'version', SOPS_FORMAT_VERSION);
      return node;
    },
  });
}

function setMetadataValue(node: YAMLMap, key: string, value: string): void {
  const current = node.get(key, true);
  if (isScalar(current)) current.value = value;
  else node.set(key, value);
}

/**
 * Parses plaintext YAML or JSON into Documents for encryptSopsDocuments, remembering how sops
 * would read each scalar.
 */
export function parseSopsText(
  text: string,
  options: { file?: string; format?: SopsFormat } = {},
): {
  documents: Document.Parsed[];
  style: OutputStyle;
  lineCounter: LineCounter;
} {
  const file = options.file ?? '<input>';
  const parsed = parseText(text, options.format ?? detectFormat(options.file, text), file);
  for (const doc of parsed.documents) rememberParsed(doc);
  return parsed;
}
