import type { Finding } from '../../report/types.js';
import { formatPath, subjectFor, type ConfigView } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, providerEntries, stringAt } from './config-data.js';
import { findDialectBlocks, type DialectBlock } from './dialect-blocks.js';
import {
  renderProvidersSnippet,
  translateToMasProvider,
  type IdContext,
  type TranslatedProvider,
} from './dialect-translation.js';
import { callbackUlidsIn } from './provider-id.js';
import { describeValue } from './secret-values.js';

export interface TranslatedBlock {
  block: DialectBlock;
  translations: TranslatedProvider[];
  snippet: string;
}

function byLocation(view: ConfigView) {
  return (a: DialectBlock, b: DialectBlock): number => {
    const la = view.locate(a.path);
    const lb = view.locate(b.path);
    return la.line - lb.line || la.column - lb.column;
  };
}

/**
 * Every dialect block of a MAS view with its translation into MAS's own keys. Shared by the
 * dialect check (which reports the blocks) and the provider check (which points at them).
 */
export function translateDialectBlocks(view: ConfigView, all: readonly ConfigView[]): TranslatedBlock[] {
  const blocks = findDialectBlocks(view.data).sort(byLocation(view));
  if (!blocks.length) return [];
  const otherMas = all.filter((v) => v !== view && v.kind === 'mas');
  const mixedPaths = new Set(
    blocks.filter((b) => b.kind === 'mixed-provider').map((b) => formatPath(b.container)),
  );
  const existing = [view, ...otherMas].flatMap((v) =>
    providerEntries(v.data)
      .filter((e) => v !== view || !mixedPaths.has(formatPath(e.path)))
      .map((e) => e.provider),
  );
  const ctx: IdContext = {
    existing,
    // this file first: a callback URL next to the block is the best evidence
    callbackIds: [
      ...new Set([...callbackUlidsIn([view]), ...callbackUlidsIn(all.filter((v) => v !== view))]),
    ],
    providerCount: blocks.reduce((n, b) => n + b.sources.length, 0),
  };
  return blocks.map((block) => {
    const translations = block.sources.map((source) => translateToMasProvider(source, ctx));
    const snippet = renderProvidersSnippet(
      translations.map((t) => t.provider),
      ` Translated by ssochain from ${formatPath(block.kind === 'mixed-provider' || block.kind === 'stray-keys' ? block.container : block.path) || 'the top level'} (Synapse dialect).`,
    );
    return { block, translations, snippet };
  });
}

/**
 * Where MAS is reached, to spell out the redirect URI Authentik needs: this document's
 * `http.public_base`, another MAS document's, or the ESS values' MAS ingress host (the chart
 * sets `http.public_base` to `https://<that host>`).
 */
export function publicBaseFor(view: ConfigView, all: readonly ConfigView[]): string | undefined {
  const own = stringAt(view.data, ['http', 'public_base']);
  if (own) return own;
  for (const other of all) {
    if (other.kind === 'mas' && other !== view) {
      const base = stringAt(other.data, ['http', 'public_base']);
      if (base) return base;
    }
    if (other.kind === 'ess-values' && other.file === view.file) {
      const host = stringAt(other.data, ['matrixAuthenticationService', 'ingress', 'host']);
      if (host) return `https://${host}/`;
    }
  }
  return undefined;
}

/** The redirect URI MAS uses for a provider: `<public_base>/upstream/callback/<id>`. */
export function callbackUrl(publicBase: string | undefined, id: string): string {
  return `${publicBase ? publicBase.replace(/\/*$/, '/') : '<public_base>/'}upstream/callback/${id}`;
}

function describeBlock(block: DialectBlock): string {
  const keys = block.keys.map((k) => `\`${formatPath(k)}\``).join(', ');
  switch (block.kind) {
    case 'section':
      return `${keys} is Synapse’s way of configuring an OpenID Connect provider, not MAS’s`;
    case 'provider-list':
      return `${keys} is Synapse’s list of OpenID Connect providers; MAS lists them under \`upstream_oauth2.providers\``;
    case 'mixed-provider':
      return `This upstream provider mixes Synapse keys into MAS’s: ${keys}`;
    case 'stray-keys':
      return `Synapse-style keys outside any MAS provider: ${keys}`;
  }
}

/**
 * Synapse-style OIDC configuration written into a MAS config (the seed runbook's
 * `upstream_oauth2_config`, pasted `oidc_providers`, `scopes:` lists, `localpart_template`).
 * MAS ignores keys it does not know without a word, so the provider the admin thinks they
 * configured never exists and the login page has no "Sign in with …" button. One finding per
 * block, whose fix is the translated `upstream_oauth2.providers` entry.
 */
export function runDialectCheck(view: ConfigView, all: readonly ConfigView[]): Finding[] {
  const publicBase = publicBaseFor(view, all);
  return translateDialectBlocks(view, all).map(({ block, translations, snippet }) => {
    const redirectUris = translations.map((t) => callbackUrl(publicBase, String(t.provider.id)));
    const names = translations.map((t) => `\`${String(t.provider.id)}\``).join(', ');
    const notes = translations.flatMap((t, i) =>
      t.notes.map((n) => (translations.length > 1 ? `[${i + 1}] ${n}` : n)),
    );
    const consequence =
      block.kind === 'mixed-provider'
        ? 'MAS silently ignores the Synapse keys, so this provider runs without them (wrong scope, no claims imports, or no token_endpoint_auth_method at all).'
        : 'MAS silently ignores keys it does not know, so no upstream provider exists for this configuration and the MAS login page shows no “Sign in with …” button.';
    const detail = [
      `${describeBlock(block)}. ${consequence}`,
      `Translated into MAS’s upstream_oauth2.providers (provider id ${names}). Notes on the translation:`,
      ...notes.map((n) => `- ${n}`),
    ].join('\n');
    return makeFinding('mas-config-dialect', {
      subject: subjectFor(view),
      detail,
      evidence: [
        {
          source: 'mas-config',
          excerpt: block.keys
            .map((k) => `${formatPath(k)}: ${describeValue(k, getAt(view.data, k))}`)
            .join('; '),
        },
      ],
      fix: {
        summary: `Replace ${block.kind === 'mixed-provider' ? 'the Synapse keys of this provider' : `\`${formatPath(block.path)}\``} with the translated upstream_oauth2.providers entry below${
          translations.some((t) => t.secretOmitted)
            ? ', put the client secret back by hand (it is never printed)'
            : ''
        }, and make sure Authentik’s redirect URIs contain ${redirectUris.join(' and ')}.`,
        snippet,
        repair: 'mas-translate-dialect',
      },
      location: view.locate(block.path),
    });
  });
}

export const masDialect: LintCheck = {
  id: 'mas/dialect',
  codes: ['mas-config-dialect'],
  appliesTo: ['mas'],
  run: runDialectCheck,
};
