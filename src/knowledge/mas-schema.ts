import { MAS_SCHEMA_DEFINITIONS, MAS_SCHEMA_ROOT } from './mas-config-schema.js';
import type { MasObjectType, MasType } from './mas-schema-types.js';

export type { MasObjectType, MasType } from './mas-schema-types.js';

const ANY: MasType = { t: 'any' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type of the whole MAS config file. */
export function masRootType(): MasType {
  return { t: 'ref', name: MAS_SCHEMA_ROOT };
}

/**
 * Follows `ref`s to a concrete type; a nullable ref stays nullable. Unknown names resolve to
 * `any` so that a schema gap never turns into a false "unknown key".
 */
export function resolveMasType(type: MasType): Exclude<MasType, { t: 'ref' }> {
  let current: MasType = type;
  let nullable = false;
  for (let hops = 0; current.t === 'ref' && hops < 32; hops++) {
    nullable ||= current.nullable === true;
    current = MAS_SCHEMA_DEFINITIONS[current.name] ?? ANY;
  }
  if (current.t === 'ref') return { t: 'any' };
  return nullable && current.t !== 'any' && !current.nullable ? { ...current, nullable: true } : current;
}

/** The Rust-ish name MAS's error messages use for a type (`expected struct Provider`). */
export function masTypeName(type: MasType): string {
  const name = type.t === 'ref' ? type.name : undefined;
  const resolved = resolveMasType(type);
  switch (resolved.t) {
    case 'object':
      return `struct ${resolved.title ?? name ?? 'object'}`;
    case 'map':
      return 'a map';
    case 'array':
      return 'a sequence';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'integer':
      return resolved.format === 'uint16'
        ? 'u16'
        : resolved.format === 'uint8'
          ? 'u8'
          : resolved.format === 'uint32'
            ? 'u32'
            : 'u64';
    case 'number':
      return 'f64';
    case 'enum':
      return `enum ${name ?? 'value'}`;
    case 'union':
      return `untagged enum ${name ?? 'value'}`;
    case 'any':
      return 'any value';
  }
}

/**
 * Properties that apply to one object value: the base properties plus, for a tagged union,
 * those of the case the value's tag selects. When the tag is missing or unknown, the keys of
 * every case are allowed (the tag itself is reported elsewhere; this avoids a cascade).
 */
export function objectProperties(type: MasObjectType, value: unknown): Record<string, MasType> {
  const props: Record<string, MasType> = { ...type.properties };
  if (type.variants) {
    const tag = isRecord(value) ? value[type.variants.tag] : undefined;
    const selected = typeof tag === 'string' ? type.variants.cases[tag] : undefined;
    const cases = selected ? [selected] : Object.values(type.variants.cases);
    for (const c of cases) Object.assign(props, c.properties);
  }
  return props;
}

/** Required keys for one object value (base plus the selected case, if any). */
export function objectRequired(type: MasObjectType, value: unknown): string[] {
  const required = [...type.required];
  if (type.variants) {
    const tag = isRecord(value) ? value[type.variants.tag] : undefined;
    const selected = typeof tag === 'string' ? type.variants.cases[tag] : undefined;
    if (selected) required.push(...selected.required);
  }
  return required;
}

/**
 * For a mapping value at a node of type `type`: the keys MAS reads there and the type of each.
 * Returns undefined when any key is fine (free maps, `any`, or a type that is not an object).
 * Untagged unions (listener `binds[]`) allow the keys of every variant.
 */
export function keysFor(type: MasType, value: unknown): Record<string, MasType> | undefined {
  const resolved = resolveMasType(type);
  if (resolved.t === 'object') return objectProperties(resolved, value);
  if (resolved.t === 'union') {
    const props: Record<string, MasType> = {};
    let anyObject = false;
    for (const variant of resolved.anyOf) {
      const keys = keysFor(variant, value);
      if (keys) {
        anyObject = true;
        Object.assign(props, keys);
      }
    }
    return anyObject ? props : undefined;
  }
  return undefined;
}

/** The type of the child `key` (or index) of a value of type `type`, or undefined if none. */
export function childType(type: MasType, value: unknown, key: string | number): MasType | undefined {
  const resolved = resolveMasType(type);
  if (resolved.t === 'any') return ANY;
  if (typeof key === 'number') return resolved.t === 'array' ? resolved.items : undefined;
  if (resolved.t === 'map') return resolved.values;
  return keysFor(resolved, value)?.[key];
}

/** The schema type at `path` inside `data` (a MAS config), or undefined where MAS reads nothing. */
export function masTypeAt(data: unknown, path: readonly (string | number)[]): MasType | undefined {
  let type: MasType | undefined = masRootType();
  let value: unknown = data;
  for (const seg of path) {
    if (!type) return undefined;
    type = childType(type, value, seg);
    value =
      typeof seg === 'number'
        ? Array.isArray(value)
          ? value[seg]
          : undefined
        : isRecord(value)
          ? value[seg]
          : undefined;
  }
  return type;
}

let keyIndex: Map<string, string[]> | undefined;

/**
 * Every key name MAS knows, with the dotted places it belongs (`upstream_oauth2.providers[]`),
 * for messages like "`claims_imports` belongs in each entry of upstream_oauth2.providers".
 */
export function masKeyPlaces(): ReadonlyMap<string, string[]> {
  if (keyIndex) return keyIndex;
  const index = new Map<string, string[]>();
  const add = (key: string, place: string) => {
    const list = index.get(key) ?? [];
    if (!list.includes(place)) list.push(place);
    index.set(key, list);
  };
  const visit = (type: MasType, place: string, seen: Set<string>) => {
    if (type.t === 'ref') {
      if (seen.has(type.name)) return;
      visit(resolveMasType(type), place, new Set([...seen, type.name]));
      return;
    }
    switch (type.t) {
      case 'object': {
        const all: Record<string, MasType> = { ...type.properties };
        for (const c of Object.values(type.variants?.cases ?? {})) Object.assign(all, c.properties);
        for (const [key, child] of Object.entries(all)) {
          add(key, place);
          visit(child, place ? `${place}.${key}` : key, seen);
        }
        return;
      }
      case 'array':
        visit(type.items, `${place}[]`, seen);
        return;
      case 'map':
        visit(type.values, `${place}.*`, seen);
        return;
      case 'union':
        for (const v of type.anyOf) visit(v, place, seen);
        return;
      default:
        return;
    }
  };
  visit(masRootType(), '', new Set());
  keyIndex = index;
  return index;
}
