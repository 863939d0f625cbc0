import { MAS_REMOVED_VALUES } from '../../knowledge/mas-config-history.js';
import {
  masRootType,
  masTypeName,
  objectProperties,
  objectRequired,
  resolveMasType,
  type MasType,
} from '../../knowledge/mas-schema.js';
import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { isRecord, masPath } from './config-data.js';
import { dialectKeyPaths, findDialectBlocks, isCoveredBy } from './dialect-blocks.js';
import { closestWord } from './did-you-mean.js';
import { isMasFragment, type MasCheckOptions } from './document-shape.js';
import { describeValue, isSecretPath } from './secret-values.js';

export interface SchemaViolation {
  /** where MAS reports it: the key, or its parent mapping for a missing field */
  path: PathSeg[];
  /** MAS's (figment's) own wording */
  message: string;
  /** what to do, one sentence */
  hint?: string;
}

/** How figment prints a value it did not expect (`found unsigned int \`5\``), never a credential. */
function actualOf(value: unknown, path: readonly PathSeg[]): string {
  const secret = isSecretPath(path);
  if (value === null) return 'unit';
  if (Array.isArray(value)) return 'sequence';
  if (isRecord(value)) return 'map';
  if (typeof value === 'boolean') return `bool ${value}`;
  if (typeof value === 'number') {
    const kind = Number.isInteger(value) ? (value < 0 ? 'signed int' : 'unsigned int') : 'float';
    return secret ? kind : `${kind} \`${value}\``;
  }
  if (typeof value === 'string')
    return secret
      ? 'string'
      : `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value)}`;
  return typeof value;
}

/** figment's `OneOf` rendering of the expected variants. */
function oneOf(values: readonly string[]): string {
  if (values.length === 1) return `\`${values[0]}\``;
  if (values.length === 2) return `\`${values[0]}\` or \`${values[1]}\``;
  return `one of ${values.map((v) => `\`${v}\``).join(', ')}`;
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  uint: [0, Number.MAX_SAFE_INTEGER],
};

/** An ESS `${VARNAME}` placeholder, rendered by the chart before MAS reads the file. */
const ESS_PLACEHOLDER = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

interface WalkContext {
  fragment: boolean;
  covered: PathSeg[][];
  out: SchemaViolation[];
}

function unknownVariant(
  path: PathSeg[],
  found: string,
  values: readonly string[],
  definition: string | undefined,
): SchemaViolation {
  const removed = MAS_REMOVED_VALUES.find((r) => r.definition === definition && r.value === found);
  const suggestion = closestWord(found, values);
  const shown = found.length > 60 ? `${found.slice(0, 59)}…` : found;
  return {
    path,
    message: `unknown variant: found \`${shown}\`, expected \`${oneOf(values)}\``,
    hint: removed
      ? `\`${found}\` was removed in MAS ${removed.removedIn}. ${removed.note}`
      : suggestion
        ? `Did you mean \`${suggestion}\`?`
        : undefined,
  };
}

function check(value: unknown, type: MasType, path: PathSeg[], ctx: WalkContext): void {
  if (isCoveredBy(path, ctx.covered)) return;
  const definition = type.t === 'ref' ? type.name : undefined;
  const resolved = resolveMasType(type);
  if (resolved.t === 'any') return;
  if (value === null) {
    if (!('nullable' in resolved && resolved.nullable)) {
      ctx.out.push({
        path,
        message: `invalid type: found unit, expected ${masTypeName(type)}`,
        hint: 'Give it a value or delete the key (an empty key is YAML null, not "use the default").',
      });
    }
    return;
  }
  if (ctx.fragment && typeof value === 'string' && ESS_PLACEHOLDER.test(value)) return;
  const mismatch = (): void => {
    ctx.out.push({
      path,
      message: `invalid type: found ${actualOf(value, path)}, expected ${masTypeName(type)}`,
    });
  };

  switch (resolved.t) {
    case 'string':
      if (typeof value !== 'string') mismatch();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') mismatch();
      return;
    case 'number':
      if (typeof value !== 'number') mismatch();
      return;
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return mismatch();
      const range = INTEGER_RANGES[resolved.format ?? 'uint64'];
      if (range && (value < range[0] || value > range[1])) {
        ctx.out.push({
          path,
          message: `invalid value ${actualOf(value, path)}, expected ${masTypeName(type)}`,
        });
      }
      return;
    }
    case 'enum':
      if (typeof value !== 'string') return mismatch();
      if (!resolved.values.includes(value))
        ctx.out.push(unknownVariant(path, value, resolved.values, definition));
      return;
    case 'array':
      if (!Array.isArray(value)) return mismatch();
      value.forEach((item, i) => check(item, resolved.items, [...path, i], ctx));
      return;
    case 'map':
      if (!isRecord(value)) return mismatch();
      for (const [key, child] of Object.entries(value)) check(child, resolved.values, [...path, key], ctx);
      return;
    case 'union': {
      if (!isRecord(value)) return mismatch();
      const fits = resolved.anyOf.find((variant) => {
        const v = resolveMasType(variant);
        return v.t === 'object' && v.required.every((r) => r in value);
      });
      if (!fits) {
        ctx.out.push({
          path,
          message: `data did not match any variant of untagged enum ${definition ?? 'value'}`,
        });
        return;
      }
      check(value, fits, path, ctx);
      return;
    }
    case 'object': {
      if (!isRecord(value)) return mismatch();
      if (resolved.variants) {
        const tag = value[resolved.variants.tag];
        if (typeof tag === 'string' && !(tag in resolved.variants.cases)) {
          ctx.out.push(
            unknownVariant(
              [...path, resolved.variants.tag],
              tag,
              Object.keys(resolved.variants.cases),
              definition,
            ),
          );
          return;
        }
      }
      // A fragment is deep-merged with other pieces: a mapping reached only through mappings
      // may be completed elsewhere, but a list entry is taken whole (lists are appended).
      const mergeable = ctx.fragment && !path.some((seg) => typeof seg === 'number');
      if (!mergeable) {
        for (const key of objectRequired(resolved, value)) {
          if (key in value && value[key] !== null) continue;
          if (masPath([...path, key]) === 'http.public_base') continue; // mas/public-base explains this one
          if (isCoveredBy([...path, key], ctx.covered)) continue;
          ctx.out.push({ path, message: `missing field \`${key}\`` });
        }
      }
      const props = objectProperties(resolved, value);
      for (const [key, child] of Object.entries(value)) {
        const childType = props[key];
        if (childType && !(child === null && objectRequired(resolved, value).includes(key)))
          check(child, childType, [...path, key], ctx);
      }
      return;
    }
  }
}

/** Every place the document breaks MAS's schema (types, enum values, required keys). */
export function findSchemaViolations(data: unknown, fragment: boolean): SchemaViolation[] {
  if (data === null || data === undefined) return [];
  const ctx: WalkContext = { fragment, covered: dialectKeyPaths(findDialectBlocks(data)), out: [] };
  check(data, masRootType(), [], ctx);
  return ctx.out;
}

/** What to write when MAS names a missing field people often leave out. */
const MISSING_FIELD_HINTS: Record<string, string> = {
  token_endpoint_auth_method:
    'MAS has no default for it: use `client_secret_basic` for an Authentik confidential client (or `client_secret_post`), `none` for a public client without a secret.',
  id: 'Every upstream provider needs a ULID `id`; it is also the last segment of the redirect URI `<public_base>/upstream/callback/<id>` registered at the identity provider.',
  client_id: 'Copy the Client ID from the identity provider (Authentik: the OAuth2 provider page).',
  secrets:
    'A whole MAS config needs `secrets` (encryption key and signing keys); `mas-cli config generate` writes one.',
  matrix: 'A whole MAS config needs `matrix` (homeserver name, endpoint and the shared secret with Synapse).',
};

function hintFor(v: SchemaViolation, view: ConfigView): string | undefined {
  if (v.hint) return v.hint;
  const missing = /^missing field `([^`]+)`/.exec(v.message)?.[1];
  if (missing && MISSING_FIELD_HINTS[missing]) return MISSING_FIELD_HINTS[missing];
  const last = v.path[v.path.length - 1];
  if (last === 'scope' && v.message.includes('found sequence')) {
    const list =
      view.data && Array.isArray(pathValue(view.data, v.path))
        ? (pathValue(view.data, v.path) as unknown[]).map(String).join(' ')
        : 'openid profile email';
    return `MAS wants one space-separated string: scope: "${list}" (a YAML list is Synapse's \`scopes\` style).`;
  }
  return undefined;
}

function pathValue(data: unknown, path: readonly PathSeg[]): unknown {
  let node = data;
  for (const seg of path)
    node =
      typeof seg === 'number'
        ? Array.isArray(node)
          ? node[seg]
          : undefined
        : isRecord(node)
          ? node[seg]
          : undefined;
  return node;
}

/**
 * What MAS's config loader (serde through figment) refuses: a value of the wrong type, an
 * unknown enum variant, a required key that is missing. MAS stops at the first of these and
 * does not start; this check lists them all, each with MAS's own sentence and path.
 */
export function runSchemaConformanceCheck(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): Finding[] {
  const fragment = isMasFragment(view, all, options);
  return findSchemaViolations(view.data, fragment).map((v) => {
    const where = masPath(v.path);
    const line = where ? `${where}: ${v.message}` : v.message;
    const hint = hintFor(v, view);
    const missing = /^missing field `([^`]+)`/.exec(v.message)?.[1];
    const valuePath = missing ? [...v.path, missing] : v.path;
    return makeFinding('mas-config-invalid', {
      subject: subjectFor(view),
      detail: `MAS refuses to load this config: ${line}.${hint ? ` ${hint}` : ''}`,
      evidence: [
        {
          source: 'mas-config',
          excerpt: `${masPath(valuePath) || '(document)'}: ${describeValue(valuePath, pathValue(view.data, valuePath))}`,
        },
      ],
      fix: {
        summary: missing
          ? `Add \`${missing}\` to \`${where || 'the top level'}\`.`
          : `Correct \`${where}\` as MAS expects (${v.message}).`,
        repair: null,
      },
      location: view.locate(v.path, missing ? 'key' : 'value'),
    });
  });
}

export function masSchemaConformance(options: MasCheckOptions = {}): LintCheck {
  return {
    id: 'mas/schema-conformance',
    codes: ['mas-config-invalid'],
    appliesTo: ['mas'],
    run: (view, all) => runSchemaConformanceCheck(view, all, options),
  };
}
