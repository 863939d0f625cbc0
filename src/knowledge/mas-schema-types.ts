/**
 * The compact shape ssochain keeps of MAS's configuration JSON Schema. The generator
 * (`scripts/gen-mas-schema.mjs`) has already resolved `$ref` wrappers, `allOf` of one,
 * nullable `anyOf`/`oneOf` pairs, string-constant `oneOf`s (enums) and tagged unions, so the
 * checks walk a small tree instead of re-implementing JSON Schema at run time.
 */
export type MasType =
  | { t: 'ref'; name: string; nullable?: true }
  | { t: 'string'; nullable?: true; pattern?: string; format?: string }
  | { t: 'integer'; nullable?: true; format?: string; minimum?: number; maximum?: number }
  | { t: 'number'; nullable?: true; format?: string; minimum?: number; maximum?: number }
  | { t: 'boolean'; nullable?: true }
  | { t: 'enum'; values: readonly string[]; nullable?: true }
  | { t: 'array'; items: MasType; nullable?: true }
  /** a mapping with free keys (JSON Schema `additionalProperties`) */
  | { t: 'map'; values: MasType; nullable?: true }
  | MasObjectType
  /** serde `untagged`: the value must fit one of the variants */
  | { t: 'union'; anyOf: readonly MasType[]; nullable?: true }
  /** anything goes (e.g. `policy.data`) */
  | { t: 'any' };

export interface MasObjectCase {
  properties: Readonly<Record<string, MasType>>;
  required: readonly string[];
}

/**
 * An object, possibly a serde internally tagged enum: `variants.tag` names the discriminating
 * key (`name` for listener resources, `kty` for JWKs) and each case adds its own properties.
 */
export interface MasObjectType {
  t: 'object';
  /** the Rust type name, for error wording (`expected struct Provider`) */
  title?: string;
  properties: Readonly<Record<string, MasType>>;
  required: readonly string[];
  variants?: { tag: string; cases: Readonly<Record<string, MasObjectCase>> };
  nullable?: true;
}
