import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Authentik's OpenAPI 3.0 schema (`@goauthentik/api`'s schema.yml) turned into JSON Schema for
 * ajv: `nullable` becomes a `null` alternative, `readOnly`/`writeOnly` annotations are dropped,
 * `$ref`s point into one root document, discriminated `oneOf`s become if/then on the
 * discriminator (component), and object schemas reject properties they do not declare — so
 * a field the emulator invents, misspells or forgets is caught.
 */

type Json = Record<string, unknown>;

const require = createRequire(import.meta.url);
const schemaFile = path.join(path.dirname(require.resolve('@goauthentik/api/package.json')), 'schema.yml');

export interface OpenApi {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, Json> }>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json> };
}

export const spec = parse(readFileSync(schemaFile, 'utf8')) as OpenApi;

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (
      [
        'readOnly',
        'writeOnly',
        'nullable',
        'discriminator',
        'example',
        'deprecated',
        'externalDocs',
        'xml',
      ].includes(k)
    )
      continue;
    if (k === '$ref' && typeof v === 'string')
      out.$ref = v.replace('#/components/schemas/', 'ak#/definitions/');
    else if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, convert(s)]));
    else out[k] = convert(v);
  }
  const disc = src.discriminator as { propertyName: string; mapping: Record<string, string> } | undefined;
  if (disc && Array.isArray(src.oneOf)) {
    delete out.oneOf;
    out.type = 'object';
    out.required = [disc.propertyName];
    out.properties = { [disc.propertyName]: { enum: Object.keys(disc.mapping) } };
    out.allOf = Object.entries(disc.mapping).map(([value, ref]) => ({
      if: { properties: { [disc.propertyName]: { const: value } } },
      then: { $ref: ref.replace('#/components/schemas/', 'ak#/definitions/') },
    }));
  }
  if (out.type === 'object' && out.properties && src.additionalProperties === undefined && !disc)
    out.additionalProperties = false;
  if (src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function build(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  // DRF renders blank URL/email model fields as "" (Authentik: `meta_launch_url`, `logout_uri`,
  // a user without email); schema.yml's `format: uri|email` does not describe that, so the
  // formats accept the empty string and otherwise keep ajv-formats' checks.
  for (const name of ['uri', 'email'] as const) {
    const strict = ajv.formats[name] as
      { validate?: (s: string) => boolean } | RegExp | ((s: string) => boolean);
    const test = (s: string) =>
      strict instanceof RegExp
        ? strict.test(s)
        : typeof strict === 'function'
          ? strict(s)
          : !!strict?.validate?.(s);
    ajv.addFormat(name, (s: string) => s === '' || test(s));
  }
  const definitions = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([n, s]) => [n, convert(s)]),
  );
  ajv.addSchema({ $id: 'ak', definitions });
  return ajv;
}

const ajv = build();
const cache = new Map<string, ValidateFunction>();

/** Validates `body` against a component schema; returns ajv's errors (empty when valid). */
export function validate(component: string, body: unknown): string[] {
  let fn = cache.get(component);
  if (!fn) {
    fn = ajv.getSchema(`ak#/definitions/${component}`);
    if (!fn) throw new Error(`no component schema ${component}`);
    cache.set(component, fn);
  }
  return fn(body)
    ? []
    : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** The templated path and operation a concrete request hits (`/core/users/7/` -> `/core/users/{id}/`). */
export function operationFor(
  method: string,
  pathname: string,
): { template: string; operationId: string } | undefined {
  const rel = pathname.replace(/^\/api\/v3/, '');
  for (const [template, ops] of Object.entries(spec.paths)) {
    const re = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
    const op = ops[method.toLowerCase()];
    if (op && re.test(rel)) {
      // prefer literal segments over parameters (`/core/users/me/` over `/core/users/{id}/`)
      const better = Object.entries(spec.paths).find(([t, o]) => t === rel && o[method.toLowerCase()]);
      if (better)
        return { template: better[0], operationId: better[1][method.toLowerCase()]!.operationId ?? '' };
      return { template, operationId: op.operationId ?? '' };
    }
  }
  return undefined;
}

/** The component a response of an operation must validate against (by status). */
export function responseSchema(method: string, template: string, status: number): Json | undefined {
  const op = spec.paths[template]?.[method.toLowerCase()];
  const resp = op?.responses?.[String(status)];
  if (!resp) {
    if (status === 404 || status === 403) return { $ref: '#/components/schemas/GenericError' };
    return undefined;
  }
  const ref = resp.$ref as string | undefined;
  const resolved = ref ? spec.components.responses[ref.split('/').pop()!] : resp;
  const content = (resolved?.content as Record<string, { schema?: Json }> | undefined)?.['application/json'];
  return content?.schema;
}

/** Validates against an inline response schema (a `$ref`, or an array of `$ref`s). */
export function validateResponse(schema: Json, body: unknown): string[] {
  if (typeof schema.$ref === 'string') return validate(schema.$ref.split('/').pop()!, body);
  if (schema.type === 'array' && schema.items && typeof (schema.items as Json).$ref === 'string') {
    if (!Array.isArray(body)) return ['/ must be array'];
    return body.flatMap((item, i) =>
      validate(((schema.items as Json).$ref as string).split('/').pop()!, item).map((e) => `[${i}]${e}`),
    );
  }
  return [];
}
