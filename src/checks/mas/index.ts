/**
 * Every offline check of a MAS config document, in the order a reader fixes things: what MAS
 * cannot read at all (dialect, unknown keys, typographic characters), what MAS refuses to load,
 * then what loads but cannot work (public base, providers, templates).
 *
 * `masChecks` uses the built-in fragment detection (see document-shape.ts); a caller that knows
 * better which documents are fragments builds its own list with `createMasChecks`.
 */
import type { LintCheck } from '../lint-check.js';
import { masClaimsTemplates } from './claims-templates.js';
import { masDialect } from './dialect.js';
import type { MasCheckOptions } from './document-shape.js';
import { masProviderMissing } from './provider-missing.js';
import { masProviderRules } from './provider-rules.js';
import { masPublicBase } from './public-base.js';
import { masSchemaConformance } from './schema-conformance.js';
import { masSectionRules } from './section-rules.js';
import { masSmartQuotes } from './smart-quotes.js';
import { masUnknownKeys } from './unknown-keys.js';

export function createMasChecks(options: MasCheckOptions = {}): readonly LintCheck[] {
  return [
    masDialect,
    masUnknownKeys,
    masSmartQuotes,
    masSchemaConformance(options),
    masProviderRules(options),
    masSectionRules(options),
    masPublicBase(options),
    masProviderMissing(options),
    masClaimsTemplates,
  ];
}

export const masChecks: readonly LintCheck[] = createMasChecks();

export {
  defaultIsFragment,
  isMasFragment,
  looksLikeWholeMasConfig,
  type FragmentPredicate,
  type MasCheckOptions,
} from './document-shape.js';
export { findDialectBlocks, type DialectBlock } from './dialect-blocks.js';
export { translateDialectBlocks, type TranslatedBlock } from './dialect.js';
export { translateToMasProvider, renderProvidersSnippet, SECRET_PLACEHOLDER } from './dialect-translation.js';
export { deriveProviderUlid, isMasUlid, ulidProblem, callbackUlidsIn } from './provider-id.js';
