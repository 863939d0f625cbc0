import type { RequestContext } from '../http/server.js';
import { SynapseError } from './errors.js';
import { pydanticInputRepr, pyTypeName } from './pyrepr.js';

type FieldKind = 'str' | 'bool' | 'optional-str' | 'str-list' | 'optional-str-list' | 'optional-bool';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** required fields have no default */
  required?: boolean;
}

/** `parse_json_object_from_request` */
export async function readJsonObject(
  ctx: RequestContext,
  allowEmpty = false,
): Promise<Record<string, unknown>> {
  const raw = (await ctx.body()).toString('utf8');
  if (raw.length === 0) {
    if (allowEmpty) return {};
    throw new SynapseError(400, 'Content not JSON.', 'M_NOT_JSON');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new SynapseError(400, 'Content not JSON.', 'M_NOT_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SynapseError(400, 'Content must be a JSON object.', 'M_BAD_JSON');
  return value as Record<string, unknown>;
}

interface Problem {
  loc?: string;
  msg: string;
  type: string;
  input: unknown;
}

const PYDANTIC_URL = 'https://errors.pydantic.dev/2.14/v/';

/**
 * `parse_and_validate_json_object_from_request` with a strict pydantic `RequestBodyModel`:
 * 400 with pydantic's rendering of the problems as the message; `M_MISSING_PARAM` for a single
 * missing field, `M_INVALID_PARAM` for a single value error, else `M_BAD_JSON`.
 */
export async function readBody(
  ctx: RequestContext,
  fields: FieldSpec[],
  validate?: (body: Record<string, unknown>) => string | null,
): Promise<Record<string, unknown>> {
  const body = await readJsonObject(ctx);
  const problems: Problem[] = [];
  const before = validate?.(body);
  if (before) problems.push({ msg: `Value error, ${before}`, type: 'value_error', input: body });
  else {
    for (const f of fields) {
      const v = body[f.name];
      if (v === undefined) {
        if (f.required) problems.push({ loc: f.name, msg: 'Field required', type: 'missing', input: body });
        continue;
      }
      const optional = f.kind.startsWith('optional-');
      if (v === null && (optional || !f.required)) {
        if (optional) continue;
      }
      const kind = f.kind.replace('optional-', '');
      if (kind === 'str' && typeof v !== 'string')
        problems.push({ loc: f.name, msg: 'Input should be a valid string', type: 'string_type', input: v });
      if (kind === 'bool' && typeof v !== 'boolean')
        problems.push({ loc: f.name, msg: 'Input should be a valid boolean', type: 'bool_type', input: v });
      if (kind === 'str-list') {
        if (!Array.isArray(v))
          problems.push({ loc: f.name, msg: 'Input should be a valid list', type: 'list_type', input: v });
        else
          v.forEach((item, i) => {
            if (typeof item !== 'string')
              problems.push({
                loc: `${f.name}.${i}`,
                msg: 'Input should be a valid string',
                type: 'string_type',
                input: item,
              });
          });
      }
    }
  }
  if (problems.length === 0) return body;
  const lines = [`${problems.length} validation error${problems.length === 1 ? '' : 's'} for PostBody`];
  for (const p of problems) {
    if (p.loc) lines.push(p.loc);
    lines.push(
      `  ${p.msg} [type=${p.type}, input_value=${pydanticInputRepr(p.input)}, input_type=${pyTypeName(p.input)}]`,
    );
    lines.push(`    For further information visit ${PYDANTIC_URL}${p.type}`);
  }
  let errcode = 'M_BAD_JSON';
  if (problems.length === 1) {
    if (problems[0]!.type === 'missing') errcode = 'M_MISSING_PARAM';
    else if (problems[0]!.type === 'value_error') errcode = 'M_INVALID_PARAM';
  }
  throw new SynapseError(400, lines.join('\n'), errcode);
}

/** `parse_string(request, name, required=True)` */
export function requiredQuery(ctx: RequestContext, name: string): string {
  const v = ctx.query.get(name);
  if (v === null) throw new SynapseError(400, `Missing string query parameter '${name}'`, 'M_MISSING_PARAM');
  return v;
}

/** `parse_boolean` */
export function queryBoolean(ctx: RequestContext, name: string): boolean | null {
  const v = ctx.query.get(name);
  if (v === null) return null;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new SynapseError(
    400,
    `Boolean query parameter '${name}' must be one of ['true', 'false']`,
    'M_INVALID_PARAM',
  );
}

/** `parse_integer` (with `negative=False`) */
export function queryInteger(ctx: RequestContext, name: string, fallback: number): number {
  const v = ctx.query.get(name);
  if (v === null) return fallback;
  if (!/^-?\d+$/.test(v))
    throw new SynapseError(400, `Query parameter ${name} must be an integer.`, 'M_INVALID_PARAM');
  const n = Number(v);
  if (n < 0)
    throw new SynapseError(400, `Query parameter ${name} must be a positive integer.`, 'M_INVALID_PARAM');
  return n;
}
