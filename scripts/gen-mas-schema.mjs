#!/usr/bin/env node
// @ts-check
/**
 * Generates src/knowledge/mas-config-schema.ts from MAS's published configuration JSON Schema
 * (docs/config.schema.json, kept outside the repo in ../shared/specs/). ssochain never reads
 * the spec at run time: this script distils it once into a small committed TypeScript module,
 * and a test regenerates it in memory to prove the committed file is current.
 *
 *   node scripts/gen-mas-schema.mjs [path/to/mas-config.schema.json]
 *
 * What the distillation resolves, so the checks do not have to:
 *  - `allOf: [{$ref}]` wrappers (schemars' way of attaching a description) become plain refs;
 *  - `anyOf`/`oneOf` with a `{type: null}` arm become a nullable type;
 *  - `oneOf`/`anyOf` of string constants become an enum;
 *  - `oneOf` of objects that share a constant-valued key become a tagged union (listener
 *    `resources[].name`, JWK `kty`), with each variant's `allOf` parameters merged in;
 *  - other `anyOf`s of objects stay untagged unions (listener `binds[]`).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..');
export const DEFAULT_SPEC_PATH = resolve(REPO_ROOT, '../shared/specs/mas-config.schema.json');
export const OUTPUT_PATH = resolve(REPO_ROOT, 'src/knowledge/mas-config-schema.ts');

/** @typedef {Record<string, any>} Json */

/**
 * @param {Json} node
 * @returns {string | undefined} the single string constant a schema node stands for
 */
function constOf(node) {
  if (typeof node.const === 'string') return node.const;
  if (Array.isArray(node.enum) && node.enum.length === 1 && typeof node.enum[0] === 'string')
    return node.enum[0];
  return undefined;
}

/** @param {Json} node */
function refName(node) {
  return typeof node.$ref === 'string' ? node.$ref.replace(/^#\/definitions\//, '') : undefined;
}

/**
 * @param {Json} schema the whole schema (for resolving refs while merging variants)
 */
function makeNormaliser(schema) {
  const definitions = /** @type {Json} */ (schema.definitions ?? {});

  /**
   * @param {Json} node
   * @returns {Json}
   */
  function deref(node) {
    const name = refName(node);
    return name ? deref(definitions[name] ?? {}) : node;
  }

  /**
   * @param {Json} node
   * @param {boolean} nullable
   * @returns {Json}
   */
  function withNull(node, nullable) {
    return nullable && node.t !== 'any' ? { ...node, nullable: true } : node;
  }

  /**
   * Properties and required keys of an object node, with `allOf` members merged in.
   * @param {Json} node
   * @returns {{ properties: Json, required: string[] }}
   */
  function objectParts(node) {
    /** @type {Json} */
    const properties = {};
    /** @type {string[]} */
    const required = [...(node.required ?? [])];
    for (const [key, value] of Object.entries(node.properties ?? {})) properties[key] = normalise(value);
    for (const member of node.allOf ?? []) {
      const inner = deref(member);
      const parts = objectParts(inner);
      Object.assign(properties, parts.properties);
      for (const r of parts.required) if (!required.includes(r)) required.push(r);
    }
    return { properties, required };
  }

  /**
   * A tagged union, if every variant is an object with one shared constant-valued key.
   * @param {Json[]} variants
   */
  function taggedUnion(variants) {
    const objects = variants.map(deref);
    if (objects.length < 2 || !objects.every((v) => v.type === 'object' && v.properties)) return undefined;
    const candidates = Object.keys(objects[0]?.properties ?? {}).filter((key) =>
      objects.every((v) => v.properties[key] && constOf(v.properties[key]) !== undefined),
    );
    const tag = candidates[0];
    if (!tag) return undefined;
    /** @type {Json} */
    const cases = {};
    for (const variant of objects) {
      const value = /** @type {string} */ (constOf(variant.properties[tag]));
      const parts = objectParts(variant);
      delete parts.properties[tag];
      cases[value] = { properties: parts.properties, required: parts.required.filter((r) => r !== tag) };
    }
    return { tag, cases };
  }

  /**
   * @param {Json} node
   * @returns {Json}
   */
  function normalise(node) {
    if (!node || typeof node !== 'object') return { t: 'any' };
    const name = refName(node);
    if (name) return { t: 'ref', name };

    const alternatives = node.oneOf ?? node.anyOf;
    const isObjectWithProps = node.type === 'object' && node.properties;
    if (Array.isArray(alternatives) && !isObjectWithProps) {
      const nonNull = alternatives.filter((/** @type {Json} */ a) => a.type !== 'null');
      const nullable = nonNull.length < alternatives.length;
      const consts = nonNull.map(constOf);
      if (nonNull.length > 0 && consts.every((c) => c !== undefined)) {
        return withNull({ t: 'enum', values: consts }, nullable);
      }
      if (nonNull.length === 1) return withNull(normalise(nonNull[0]), nullable);
      const tagged = taggedUnion(nonNull);
      if (tagged) {
        const values = Object.keys(tagged.cases);
        return withNull(
          {
            t: 'object',
            properties: { [tagged.tag]: { t: 'enum', values } },
            required: [tagged.tag],
            variants: tagged,
          },
          nullable,
        );
      }
      return withNull({ t: 'union', anyOf: nonNull.map(normalise) }, nullable);
    }

    if (Array.isArray(node.allOf) && node.allOf.length === 1 && !node.type && !node.properties) {
      return normalise(node.allOf[0]);
    }

    const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
    const nullable = types.includes('null');
    const type = types.find((/** @type {string} */ t) => t !== 'null');
    const c = constOf(node);
    if (c !== undefined) return withNull({ t: 'enum', values: [c] }, nullable);
    if (Array.isArray(node.enum) && node.enum.every((/** @type {unknown} */ v) => typeof v === 'string')) {
      return withNull({ t: 'enum', values: node.enum }, nullable);
    }
    switch (type) {
      case 'string': {
        /** @type {Json} */
        const out = { t: 'string' };
        if (typeof node.pattern === 'string') out.pattern = node.pattern;
        if (typeof node.format === 'string') out.format = node.format;
        return withNull(out, nullable);
      }
      case 'integer':
      case 'number': {
        /** @type {Json} */
        const out = { t: type };
        if (typeof node.format === 'string') out.format = node.format;
        if (typeof node.minimum === 'number') out.minimum = node.minimum;
        if (typeof node.maximum === 'number') out.maximum = node.maximum;
        return withNull(out, nullable);
      }
      case 'boolean':
        return withNull({ t: 'boolean' }, nullable);
      case 'array':
        return withNull({ t: 'array', items: normalise(node.items ?? {}) }, nullable);
      case 'object': {
        if (!node.properties && node.additionalProperties && typeof node.additionalProperties === 'object') {
          return withNull({ t: 'map', values: normalise(node.additionalProperties) }, nullable);
        }
        if (!node.properties && !node.allOf && !node.oneOf) return { t: 'any' };
        const parts = objectParts(node);
        /** @type {Json} */
        const out = { t: 'object', properties: parts.properties, required: parts.required };
        const tagged = Array.isArray(node.oneOf) ? taggedUnion(node.oneOf) : undefined;
        if (tagged) {
          out.properties = {
            ...out.properties,
            [tagged.tag]: { t: 'enum', values: Object.keys(tagged.cases) },
          };
          out.required = [...out.required, tagged.tag];
          out.variants = tagged;
        }
        return withNull(out, nullable);
      }
      default:
        return { t: 'any' };
    }
  }

  return { normalise, definitions };
}

/**
 * Distils a MAS config JSON Schema into the compact definitions table.
 * @param {Json} schema
 * @returns {Record<string, Json>}
 */
export function distilMasSchema(schema) {
  const { normalise, definitions } = makeNormaliser(schema);
  /** @type {Record<string, Json>} */
  const out = {};
  const root = normalise({ type: 'object', properties: schema.properties, required: schema.required });
  out[schema.title ?? 'RootConfig'] = { ...root, title: schema.title ?? 'RootConfig' };
  for (const name of Object.keys(definitions).sort()) {
    const node = normalise(definitions[name]);
    out[name] = node.t === 'object' ? { ...node, title: name } : node;
  }
  return out;
}

/**
 * The TypeScript module text (before formatting).
 * @param {string} specText the raw JSON text of the schema
 */
export function renderMasSchemaModule(specText) {
  const schema = JSON.parse(specText);
  const sha256 = createHash('sha256').update(specText).digest('hex');
  const definitions = distilMasSchema(schema);
  const ulid = /** @type {string | undefined} */ (schema.definitions?.Provider?.properties?.id?.pattern);
  return [
    '// Generated by scripts/gen-mas-schema.mjs from MAS docs/config.schema.json. Do not edit by hand:',
    '// run `node scripts/gen-mas-schema.mjs` after updating ../shared/specs/mas-config.schema.json.',
    `// Source sha256: ${sha256}`,
    "import type { MasType } from './mas-schema-types.js';",
    '',
    `export const MAS_SCHEMA_SHA256 = ${JSON.stringify(sha256)};`,
    '',
    '/** The name of the root definition (the whole config file). */',
    `export const MAS_SCHEMA_ROOT = ${JSON.stringify(schema.title ?? 'RootConfig')};`,
    '',
    '/** The pattern MAS publishes for provider and client ids: an uppercase Crockford-base32 ULID. */',
    `export const MAS_ULID_PATTERN = ${JSON.stringify(ulid ?? '^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]{26}$')};`,
    '',
    `export const MAS_SCHEMA_DEFINITIONS: Readonly<Record<string, MasType>> = ${JSON.stringify(definitions)};`,
    '',
  ].join('\n');
}

/**
 * Formats the module with the repository's Prettier settings, so that the committed file
 * passes `prettier --check` and the freshness test compares like with like.
 * @param {string} source
 */
export async function formatModule(source) {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(OUTPUT_PATH)) ?? {};
  return prettier.format(source, { ...options, filepath: OUTPUT_PATH });
}

/** @param {string} specPath */
export async function generateMasSchemaModule(specPath = DEFAULT_SPEC_PATH) {
  return formatModule(renderMasSchemaModule(await readFile(specPath, 'utf8')));
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const specPath = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_SPEC_PATH;
  const text = await generateMasSchemaModule(specPath);
  await writeFile(OUTPUT_PATH, text);
  process.stdout.write(`wrote ${OUTPUT_PATH} (${text.length} bytes) from ${specPath}\n`);
}
