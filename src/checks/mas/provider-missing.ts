import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, hasKey, providerEntries, stringAt } from './config-data.js';
import { translateDialectBlocks } from './dialect.js';
import { renderProvidersSnippet, translateToMasProvider } from './dialect-translation.js';
import { isMasFragment, type MasCheckOptions } from './document-shape.js';
import { callbackUlidsIn, deriveProviderUlid } from './provider-id.js';

function enabledProviders(view: ConfigView) {
  return providerEntries(view.data).filter((e) => e.provider.enabled !== false);
}

/**
 * A provider skeleton for Authentik when there is nothing to translate. A callback URL found in
 * the files gives the id (Authentik already has it registered); otherwise it is derived from
 * what identifies this MAS (its public base or homeserver), so it is stable across runs.
 */
function skeletonSnippet(view: ConfigView, all: readonly ConfigView[]): string {
  const anchor =
    stringAt(view.data, ['http', 'public_base']) ??
    stringAt(view.data, ['matrix', 'homeserver']) ??
    view.file;
  const id =
    callbackUlidsIn([view, ...all.filter((v) => v !== view)])[0] ?? deriveProviderUlid(anchor, 'authentik');
  const { provider } = translateToMasProvider(
    {
      path: [],
      data: {
        id,
        human_name: 'Authentik',
        issuer: 'https://<authentik-domain>/application/o/<app-slug>/',
        client_id: '<client-id>',
        client_secret_file: '/path/to/authentik-client-secret',
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid profile email',
        // as in MAS's own Authentik example (docs/setup/sso.md)
        claims_imports: {
          localpart: { action: 'require', template: '{{ user.preferred_username }}' },
          displayname: { action: 'suggest', template: '{{ user.name }}' },
          email: { action: 'suggest', template: '{{ user.email }}' },
        },
      },
    },
    { existing: [], callbackIds: [], providerCount: 1 },
  );
  return renderProvidersSnippet(
    [provider],
    ' An upstream provider for Authentik (fill in the placeholders; see MAS docs/setup/sso.md).',
  );
}

/**
 * MAS has no enabled upstream provider, so nobody can sign in through Authentik: the list is
 * missing, empty, or every entry has `enabled: false`. When the document holds Synapse-dialect
 * configuration instead, that is why, and the fix is the dialect finding's translation.
 *
 * Fragments are judged only when they try to configure upstream sign-in (an `upstream_oauth2`
 * section or a dialect block): a fragment about something else says nothing about providers.
 * Providers in other MAS documents linted together (other ESS `additional` entries) count.
 */
export function runProviderMissingCheck(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): Finding[] {
  if (enabledProviders(view).length) return [];
  const dialect = translateDialectBlocks(view, all);
  const attempted = hasKey(view.data, 'upstream_oauth2') || dialect.length > 0;
  if (isMasFragment(view, all, options) && !attempted) return [];
  const elsewhere = all.find((v) => v !== view && v.kind === 'mas' && enabledProviders(v).length > 0);
  if (elsewhere) return [];

  const list = getAt(view.data, ['upstream_oauth2', 'providers']);
  const entries = providerEntries(view.data);
  let state: string;
  let at: PathSeg[];
  if (Array.isArray(list) && entries.length) {
    state = `every provider in upstream_oauth2.providers has \`enabled: false\` (${entries.map((e) => String(e.provider.id ?? e.index)).join(', ')}), so MAS disables them at startup`;
    at = ['upstream_oauth2', 'providers'];
  } else if (Array.isArray(list)) {
    state = 'upstream_oauth2.providers is empty';
    at = ['upstream_oauth2', 'providers'];
  } else if (hasKey(view.data, 'upstream_oauth2')) {
    state = 'upstream_oauth2 has no `providers` list';
    at = ['upstream_oauth2'];
  } else {
    state = 'there is no upstream_oauth2 section';
    at = dialect[0]?.block.path ?? [];
  }
  const passwordsOff = getAt(view.data, ['passwords', 'enabled']) === false;
  const consequence = passwordsOff
    ? 'With passwords.enabled: false as well, nobody can sign in at all.'
    : 'The MAS login page offers no “Sign in with …” button, so Authentik users can never reach Matrix.';

  let detail = `MAS has no enabled upstream provider: ${state}. ${consequence}`;
  let fix: { summary: string; snippet: string };
  if (dialect.length) {
    const first = dialect[0]!;
    const loc = view.locate(first.block.path);
    detail += ` The provider was written in Synapse’s dialect instead (${dialect.map((d) => `\`${d.block.path.join('.')}\``).join(', ')}), which MAS ignores: see the mas-config-dialect finding at ${loc.file}:${loc.line}.`;
    fix = {
      summary: `Apply the translated upstream_oauth2.providers block from the mas-config-dialect finding at ${loc.file}:${loc.line} (repeated below).`,
      snippet: dialect.map((d) => d.snippet).join('\n'),
    };
  } else if (entries.length) {
    fix = {
      summary: 'Set `enabled: true` (or remove `enabled`) on the provider Authentik users sign in with.',
      snippet: 'enabled: true',
    };
  } else {
    fix = {
      summary: 'Add an upstream provider for Authentik under upstream_oauth2.providers.',
      snippet: skeletonSnippet(view, all),
    };
  }
  return [
    makeFinding('mas-provider-missing', {
      subject: subjectFor(view),
      detail,
      evidence: [{ source: 'mas-config', excerpt: state }],
      fix: { ...fix, repair: 'mas-add-provider' },
      location: view.locate(at),
    }),
  ];
}

export function masProviderMissing(options: MasCheckOptions = {}): LintCheck {
  return {
    id: 'mas/provider-missing',
    codes: ['mas-provider-missing'],
    appliesTo: ['mas'],
    run: (view, all) => runProviderMissingCheck(view, all, options),
  };
}
