/**
 * Whether a MAS config document is the whole config MAS will read, or a fragment that is merged
 * with others first. ESS renders MAS's config from its own generated pieces plus every
 * `matrixAuthenticationService.additional.*` entry; `mas-cli` deep-merges several `--config`
 * files. A fragment with only `upstream_oauth2` is therefore normal, and the chart supplies
 * `http`, `database`, `matrix` and `secrets`. Checks that judge what is *missing* (a root
 * section, `http.public_base`, `matrix.secret`) only speak about whole documents.
 *
 * The rule, in order:
 *  1. the caller may decide (`MasCheckOptions.isFragment`), e.g. a loader that knows better;
 *  2. a view flagged `fragment: true` by the loader (ESS `additional` entries, values Secrets)
 *     is a fragment;
 *  3. a document reached through ESS values (`via` names `…additional…`) is a fragment;
 *  4. otherwise a document is whole only if it carries both sections MAS cannot start without
 *     (`secrets` and `matrix`, the schema's only required root keys): anything less cannot be
 *     a complete config, so it must be completed by another piece.
 * Step 4 also makes views built without a loader (tests, `viewFromYaml`) behave sensibly.
 */
import type { ConfigView } from '../../sources/files/config-view.js';
import { hasKey } from './config-data.js';

export type FragmentPredicate = (view: ConfigView, all: readonly ConfigView[]) => boolean;

export interface MasCheckOptions {
  /** overrides the built-in fragment detection (see the module comment) */
  isFragment?: FragmentPredicate;
}

/** True when the document carries the root sections every complete MAS config has. */
export function looksLikeWholeMasConfig(data: unknown): boolean {
  return hasKey(data, 'secrets') && hasKey(data, 'matrix');
}

export const defaultIsFragment: FragmentPredicate = (view) => {
  if (view.fragment === true) return true;
  if (view.via.some((seg) => /(^|\.)additional(\.|$)|matrixAuthenticationService/.test(seg))) return true;
  return !looksLikeWholeMasConfig(view.data);
};

export function isMasFragment(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): boolean {
  return (options.isFragment ?? defaultIsFragment)(view, all);
}
