/**
 * Finds Synapse-style OIDC configuration inside a MAS config. Synapse (`oidc_providers`, the
 * legacy `oidc_config`, `user_mapping_provider.config.localpart_template`, `scopes: [...]`)
 * and MAS (`upstream_oauth2.providers[]`, `claims_imports`, `scope: "..."`) describe the same
 * thing with different words, and MAS silently ignores the words it does not know. Guides and
 * runbooks mix them up (the seed runbook tells the admin to write `upstream_oauth2_config`).
 *
 * The unit of a finding is a *block*: one place where the dialect was written, not one key,
 * so that the fix can be one translated provider per place.
 */
import type { PathSeg } from '../../sources/files/config-view.js';
import { isRecord } from './config-data.js';

/** Sections whose value is one Synapse-style provider configuration. */
export const DIALECT_SECTION_KEYS = new Set(['upstream_oauth2_config', 'oidc_config']);
/** Sections whose value is a list of Synapse-style providers. */
export const DIALECT_LIST_KEYS = new Set(['oidc_providers']);
/** Synapse's user mapping blocks (and `user_mapping`, a shorthand seen in ESS-style values). */
export const DIALECT_MAPPING_KEYS = new Set(['user_mapping_provider', 'user_mapping']);
/** Keys of one Synapse `oidc_providers` entry that MAS spells differently or lacks. */
export const DIALECT_PROVIDER_KEYS = new Set([
  'idp_id',
  'idp_name',
  'idp_icon',
  'idp_brand',
  'discover',
  'scopes',
  'client_auth_method',
  'client_secret_path',
  'client_secret_jwt_key',
  'user_profile_method',
  'allow_existing_users',
  'enable_registration',
  'attribute_requirements',
  'skip_verification',
  'backchannel_logout_enabled',
  'backchannel_logout_ignore_sub',
  'id_token_signing_alg_values_supported',
  'passthrough_authorization_parameters',
]);
/** Keys of Synapse's `user_mapping_provider.config` (also found pasted one level too high). */
export const DIALECT_TEMPLATE_KEYS = new Set([
  'localpart_template',
  'display_name_template',
  'email_template',
  'subject_template',
  'subject_claim',
  'picture_template',
  'confirm_localpart',
  'extra_attributes',
]);

export type DialectBlockKind =
  /** `upstream_oauth2_config:` / `oidc_config:` (one provider) */
  | 'section'
  /** `oidc_providers:` (a list of providers) */
  | 'provider-list'
  /** an `upstream_oauth2.providers[]` entry with Synapse keys mixed in */
  | 'mixed-provider'
  /** Synapse keys sitting in some other mapping (the root, `upstream_oauth2`, ...) */
  | 'stray-keys';

/** One provider's worth of configuration found in a block, in whatever dialect. */
export interface DialectSource {
  /** where the provider configuration sits */
  path: PathSeg[];
  data: Record<string, unknown>;
  /** for `oidc_config` (Synapse's legacy single provider): the syn2mas id is `oidc` */
  legacyOidcConfig?: boolean;
  /** mapping keys found next to the block rather than inside it (merged in on translation) */
  extraMapping?: Record<string, unknown>;
}

export interface DialectBlock {
  kind: DialectBlockKind;
  /** where to point: the section key, or the first Synapse key of a mixed/stray mapping */
  path: PathSeg[];
  /** the mapping that holds the block */
  container: PathSeg[];
  /** every Synapse-style key seen, as paths (the unknown-key check leaves these alone) */
  keys: PathSeg[][];
  sources: DialectSource[];
}

/** Subtrees whose keys are free-form in MAS, or where Synapse-looking names are legitimate. */
function isFreeForm(path: readonly PathSeg[]): boolean {
  const [first, second] = path;
  if (first === 'policy' && second === 'data') return true;
  if (first === 'clients') return true; // clients[] has its own client_auth_method
  return path.includes('additional_authorization_parameters');
}

function isMasProviderEntry(path: readonly PathSeg[]): boolean {
  return (
    path.length === 3 &&
    path[0] === 'upstream_oauth2' &&
    path[1] === 'providers' &&
    typeof path[2] === 'number'
  );
}

function strayKeysOf(map: Record<string, unknown>): string[] {
  return Object.keys(map).filter(
    (k) => DIALECT_PROVIDER_KEYS.has(k) || DIALECT_TEMPLATE_KEYS.has(k) || DIALECT_MAPPING_KEYS.has(k),
  );
}

function mappingOf(map: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, map[k]]));
}

/** Every Synapse-dialect block in a MAS config tree (callers sort by location). */
export function findDialectBlocks(data: unknown): DialectBlock[] {
  const blocks: DialectBlock[] = [];

  const visit = (node: unknown, path: PathSeg[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    if (!isRecord(node) || isFreeForm(path)) return;

    const claimed = new Set<string>();
    const sectionBlocks: DialectBlock[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (DIALECT_SECTION_KEYS.has(key)) {
        const source: DialectSource = { path: [...path, key], data: isRecord(value) ? value : {} };
        if (key === 'oidc_config') source.legacyOidcConfig = true;
        sectionBlocks.push({
          kind: 'section',
          path: [...path, key],
          container: path,
          keys: [[...path, key]],
          sources: [source],
        });
        claimed.add(key);
      } else if (DIALECT_LIST_KEYS.has(key)) {
        const entries = Array.isArray(value) ? value : [value];
        const sources: DialectSource[] = [];
        entries.forEach((entry, i) => {
          if (isRecord(entry))
            sources.push({ path: Array.isArray(value) ? [...path, key, i] : [...path, key], data: entry });
        });
        sectionBlocks.push({
          kind: 'provider-list',
          path: [...path, key],
          container: path,
          keys: [[...path, key]],
          sources,
        });
        claimed.add(key);
      }
    }

    const stray = strayKeysOf(node);
    // Synapse keys inside `claims_imports` (e.g. `claims_imports.localpart_template`) belong to the provider
    const claimsImports = isRecord(node.claims_imports) ? node.claims_imports : undefined;
    const strayInClaims = isMasProviderEntry(path) && claimsImports ? strayKeysOf(claimsImports) : [];
    if (stray.length || strayInClaims.length) {
      const keyPaths = [
        ...stray.map((k) => [...path, k]),
        ...strayInClaims.map((k) => [...path, 'claims_imports', k]),
      ];
      const extraMapping = {
        ...mappingOf(node, stray),
        ...(claimsImports ? mappingOf(claimsImports, strayInClaims) : {}),
      };
      const firstSection = sectionBlocks.find((b) => b.sources.length > 0);
      if (firstSection && !isMasProviderEntry(path)) {
        // mapping keys pasted next to `upstream_oauth2_config:` rather than inside it
        firstSection.keys.push(...keyPaths);
        firstSection.sources[0]!.extraMapping = extraMapping;
      } else {
        blocks.push({
          kind: isMasProviderEntry(path) ? 'mixed-provider' : 'stray-keys',
          path: keyPaths[0]!,
          container: path,
          keys: keyPaths,
          sources: [
            {
              path,
              data: node,
              extraMapping: strayInClaims.length ? mappingOf(claimsImports!, strayInClaims) : undefined,
            },
          ],
        });
      }
      for (const k of stray) claimed.add(k);
    }
    blocks.push(...sectionBlocks);

    for (const [key, value] of Object.entries(node)) {
      if (claimed.has(key)) continue;
      visit(value, [...path, key]);
    }
  };

  visit(data, []);
  return blocks;
}

/** The key paths of all blocks, for checks that must not report the same keys again. */
export function dialectKeyPaths(blocks: readonly DialectBlock[]): PathSeg[][] {
  return blocks.flatMap((b) => b.keys);
}

/** True when `path` is one of `covered` or lies below one of them. */
export function isCoveredBy(path: readonly PathSeg[], covered: readonly (readonly PathSeg[])[]): boolean {
  return covered.some((c) => c.length <= path.length && c.every((seg, i) => seg === path[i]));
}
