import { isUuid, normalizeUuid } from './ids.js';

/**
 * Request-body validation with Django REST framework's wording, so a client that shows
 * Authentik's 400 bodies (`{"field": ["This field is required."]}`) sees the same sentences.
 */
export type FieldSpec =
  | {
      kind: 'string';
      required?: boolean;
      nullable?: boolean;
      allowBlank?: boolean;
      maxLength?: number;
      pattern?: RegExp;
      patternMessage?: string;
    }
  | { kind: 'bool' | 'int' | 'json' | 'datetime'; required?: boolean; nullable?: boolean }
  | { kind: 'choice'; choices: readonly string[]; required?: boolean; nullable?: boolean }
  | { kind: 'choice[]'; choices: readonly string[]; required?: boolean }
  | { kind: 'string[]'; required?: boolean }
  | { kind: 'uuid-ref'; exists: (pk: string) => boolean; required?: boolean; nullable?: boolean }
  | { kind: 'int-ref'; exists: (pk: number) => boolean; required?: boolean; nullable?: boolean }
  | { kind: 'uuid-ref[]'; exists: (pk: string) => boolean; required?: boolean }
  | { kind: 'int-ref[]'; exists: (pk: number) => boolean; required?: boolean }
  | { kind: 'redirect_uris'; required?: boolean };

export type Errors = Record<string, unknown>;

export class ValidationFailed extends Error {
  constructor(readonly errors: Errors) {
    super(JSON.stringify(errors));
  }
}

const pyType = (v: unknown): string =>
  v === null
    ? 'NoneType'
    : Array.isArray(v)
      ? 'list'
      : typeof v === 'string'
        ? 'str'
        : typeof v === 'boolean'
          ? 'bool'
          : typeof v === 'number'
            ? Number.isInteger(v)
              ? 'int'
              : 'float'
            : 'dict';

const MSG = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  string: 'Not a valid string.',
  bool: 'Must be a valid boolean.',
  int: 'A valid integer is required.',
  datetime:
    'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
  choice: (v: unknown) => `"${String(v)}" is not a valid choice.`,
  list: (v: unknown) => `Expected a list of items but got type "${pyType(v)}".`,
  dict: (v: unknown) => `Expected a dictionary of items but got type "${pyType(v)}".`,
  missing: (v: unknown) => `Invalid pk "${String(v)}" - object does not exist.`,
  pkType: (v: unknown) => `Incorrect type. Expected pk value, received ${pyType(v)}.`,
  uuid: (v: unknown) => `“${String(v)}” is not a valid UUID.`,
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
};

const TRUE = new Set([true, 'true', 'True', 'TRUE', '1', 1, 'yes', 'on']);
const FALSE = new Set([false, 'false', 'False', 'FALSE', '0', 0, 'no', 'off']);

function one(spec: FieldSpec, v: unknown): { value?: unknown; error?: unknown } {
  if (v === null) {
    if ('nullable' in spec && spec.nullable) return { value: null };
    return { error: [MSG.null] };
  }
  switch (spec.kind) {
    case 'string': {
      if (typeof v !== 'string' && typeof v !== 'number') return { error: [MSG.string] };
      const s = String(v);
      if (s === '' && !spec.allowBlank) return { error: [MSG.blank] };
      if (spec.maxLength && s.length > spec.maxLength) return { error: [MSG.maxLength(spec.maxLength)] };
      if (spec.pattern && s !== '' && !spec.pattern.test(s))
        return { error: [spec.patternMessage ?? 'This value does not match the required pattern.'] };
      return { value: s };
    }
    case 'bool':
      if (TRUE.has(v as never)) return { value: true };
      if (FALSE.has(v as never)) return { value: false };
      return { error: [MSG.bool] };
    case 'int': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) ? { value: n } : { error: [MSG.int] };
    }
    case 'json':
      return typeof v === 'object' && !Array.isArray(v)
        ? { value: structuredClone(v) }
        : { error: [MSG.dict(v)] };
    case 'datetime':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)
        ? { value: v }
        : { error: [MSG.datetime] };
    case 'choice':
      return spec.choices.includes(String(v)) ? { value: String(v) } : { error: [MSG.choice(v)] };
    case 'choice[]':
    case 'string[]':
    case 'uuid-ref[]':
    case 'int-ref[]': {
      if (!Array.isArray(v)) return { error: ['Expected a list of items but got type "' + pyType(v) + '".'] };
      const item: FieldSpec =
        spec.kind === 'choice[]'
          ? { kind: 'choice', choices: spec.choices }
          : spec.kind === 'string[]'
            ? { kind: 'string', allowBlank: true }
            : spec.kind === 'uuid-ref[]'
              ? { kind: 'uuid-ref', exists: spec.exists }
              : { kind: 'int-ref', exists: spec.exists };
      const out: unknown[] = [];
      for (const x of v) {
        const r = one(item, x);
        if (r.error) return { error: r.error };
        out.push(r.value);
      }
      return { value: out };
    }
    case 'uuid-ref':
      if (typeof v !== 'string') return { error: [MSG.pkType(v)] };
      if (!isUuid(v)) return { error: [MSG.uuid(v)] };
      return spec.exists(normalizeUuid(v)) ? { value: normalizeUuid(v) } : { error: [MSG.missing(v)] };
    case 'int-ref': {
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) return { error: [MSG.pkType(v)] };
      return spec.exists(n) ? { value: n } : { error: [MSG.missing(v)] };
    }
    case 'redirect_uris': {
      if (!Array.isArray(v)) return { error: [MSG.list(v)] };
      const out: unknown[] = [];
      const errors: unknown[] = [];
      let bad = false;
      for (const x of v) {
        if (typeof x !== 'object' || x === null || Array.isArray(x)) {
          errors.push({
            non_field_errors: ['Invalid data. Expected a dictionary, but got str.'.replace('str', pyType(x))],
          });
          bad = true;
          continue;
        }
        const r = validateBody(x as Record<string, unknown>, REDIRECT_URI_FIELDS, false);
        if (r.errors) {
          errors.push(r.errors);
          bad = true;
        } else {
          errors.push({});
          out.push({ redirect_uri_type: 'authorization', ...r.value });
        }
      }
      return bad ? { error: errors } : { value: out };
    }
  }
}

const REDIRECT_URI_FIELDS: Record<string, FieldSpec> = {
  matching_mode: { kind: 'choice', choices: ['strict', 'regex'], required: true },
  url: { kind: 'string', required: true },
  redirect_uri_type: { kind: 'choice', choices: ['authorization', 'logout'] },
};

/**
 * Validates `body` against `fields`; unknown keys are ignored as DRF does. In partial mode
 * (PATCH) missing fields are not required.
 */
export function validateBody(
  body: unknown,
  fields: Record<string, FieldSpec>,
  partial: boolean,
): { value: Record<string, unknown>; errors?: undefined } | { value?: undefined; errors: Errors } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return {
      errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyType(body)}.`] },
    };
  const input = body as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  const errors: Errors = {};
  for (const [name, spec] of Object.entries(fields)) {
    if (!(name in input) || input[name] === undefined) {
      if (spec.required && !partial) errors[name] = [MSG.required];
      continue;
    }
    const r = one(spec, input[name]);
    if (r.error) errors[name] = r.error;
    else value[name] = r.value;
  }
  return Object.keys(errors).length ? { errors } : { value };
}

/** Throwing variant, for code paths that unwind to a 400 reply. */
export function validateOrThrow(
  body: unknown,
  fields: Record<string, FieldSpec>,
  partial: boolean,
): Record<string, unknown> {
  const r = validateBody(body, fields, partial);
  if (r.errors) throw new ValidationFailed(r.errors);
  return r.value;
}

/** Copies the validated `values` named in `keys` onto a record. */
export function assignFields<T extends object>(
  target: T,
  values: Record<string, unknown>,
  keys: readonly string[],
): T {
  for (const k of keys) if (k in values) (target as Record<string, unknown>)[k] = values[k];
  return target;
}
