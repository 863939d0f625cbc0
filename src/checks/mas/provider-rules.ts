import type { Finding } from '../../report/types.js';
import type { ConfigView, PathSeg } from '../../sources/files/config-view.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, isRecord, isSet, masPath, providerEntries, type ProviderEntry } from './config-data.js';
import { isMasFragment, type MasCheckOptions } from './document-shape.js';
import { invalidFinding, type InvalidInput } from './invalid-finding.js';
import { deriveProviderUlid, ulidProblem } from './provider-id.js';

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
const NO_SECRET_METHODS = new Set(['none', 'private_key_jwt', 'sign_in_with_apple']);
const JWT_METHODS = new Set(['client_secret_jwt', 'private_key_jwt']);
const ALL_METHODS = new Set([...SECRET_METHODS, ...NO_SECRET_METHODS]);

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The rules of MAS's `UpstreamOAuth2Config::validate()`, in its order, for one provider. */
function validateProvider(entry: ProviderEntry): InvalidInput[] {
  const { provider: p, path } = entry;
  const out: InvalidInput[] = [];
  const at = (...rest: PathSeg[]): PathSeg[] => [...path, ...rest];

  const id = p.id;
  if (typeof id === 'string') {
    const problem = ulidProblem(id);
    if (problem) {
      const replacement =
        problem.suggestion ??
        deriveProviderUlid(str(p.issuer) ?? '', isSet(p.client_id) ? String(p.client_id) : '');
      out.push({
        path: at('id'),
        message: problem.message,
        mas: problem.accepted
          ? problem.suggestion && problem.suggestion !== id.toUpperCase()
            ? 'cannot-work'
            : 'schema-only'
          : 'refuses',
        explanation: problem.accepted
          ? `${problem.explanation} Writing \`${replacement}\` keeps the same provider (and its users’ links) for MAS.`
          : `${problem.explanation}${
              problem.suggestion
                ? ''
                : ' The suggested id is derived from the issuer and client_id, so it stays the same on every run.'
            } MAS never started with this id, so no user is linked to it yet: register <public_base>/upstream/callback/${replacement} at the identity provider.`,
        fix: { summary: `Use \`id: ${replacement}\`.`, snippet: `id: ${replacement}` },
      });
    }
  }

  const discovery = str(p.discovery_mode) ?? 'oidc';
  if (discovery !== 'disabled' && !isSet(p.issuer)) {
    out.push({
      path,
      message: 'The `issuer` field is required when discovery is enabled',
      explanation:
        'MAS fetches `<issuer>/.well-known/openid-configuration`; for Authentik the issuer is `https://<authentik>/application/o/<app-slug>/`, trailing slash included.',
      evidence: [at('issuer'), at('discovery_mode')],
      fix: { summary: 'Set `issuer` to the issuer from the provider’s OpenID configuration.' },
    });
  }
  if (discovery === 'disabled') {
    for (const [key, name] of [
      ['authorization_endpoint', 'authorization endpoint'],
      ['token_endpoint', 'token endpoint'],
    ] as const) {
      if (!isSet(p[key])) {
        out.push({
          path,
          mas: 'cannot-work',
          message: `Provider has discovery disabled but no ${name} set`,
          explanation: `With \`discovery_mode: disabled\` MAS learns nothing from the provider, so \`${key}\` must be written out; \`mas-cli config sync\` logs this as an error and sign-in cannot work.`,
          evidence: [at('discovery_mode'), at(key)],
          fix: { summary: `Set \`${key}\`, or use \`discovery_mode: oidc\` with the issuer.` },
        });
      }
    }
  }

  const hasSecret = isSet(p.client_secret);
  const hasSecretFile = isSet(p.client_secret_file);
  if (hasSecret && hasSecretFile) {
    out.push({
      path,
      message: 'Cannot specify both `client_secret` and `client_secret_file`',
      evidence: [at('client_secret'), at('client_secret_file')],
      fix: { summary: 'Keep one of them (client_secret_file keeps the secret out of the config).' },
    });
  }
  const method = str(p.token_endpoint_auth_method);
  if (method && ALL_METHODS.has(method)) {
    if (NO_SECRET_METHODS.has(method) && (hasSecret || hasSecretFile)) {
      out.push({
        path,
        message: 'Unexpected field `client_secret` for the selected authentication method',
        explanation: `\`${method}\` does not use a client secret. For an Authentik confidential client use \`client_secret_basic\` (and keep the secret); for a public client remove the secret.`,
        evidence: [at('token_endpoint_auth_method'), at(hasSecret ? 'client_secret' : 'client_secret_file')],
        fix: {
          summary:
            'Either change token_endpoint_auth_method to client_secret_basic, or remove the client secret.',
        },
      });
    }
    if (SECRET_METHODS.has(method) && !hasSecret && !hasSecretFile) {
      out.push({
        path,
        message: 'missing field `client_secret`',
        explanation: `\`${method}\` authenticates with the client secret, so MAS needs \`client_secret\` or \`client_secret_file\`.`,
        evidence: [at('token_endpoint_auth_method')],
        fix: {
          summary:
            'Add `client_secret_file` (or `client_secret`) with the secret of the identity provider’s client.',
        },
      });
    }
    const signingAlg = isSet(p.token_endpoint_auth_signing_alg);
    if (!JWT_METHODS.has(method) && signingAlg) {
      out.push({
        path,
        message: 'Unexpected field `token_endpoint_auth_signing_alg` for the selected authentication method',
        evidence: [at('token_endpoint_auth_method'), at('token_endpoint_auth_signing_alg')],
        fix: {
          summary:
            'Remove token_endpoint_auth_signing_alg (it only applies to client_secret_jwt and private_key_jwt).',
        },
      });
    }
    if (JWT_METHODS.has(method) && !signingAlg) {
      out.push({
        path,
        message: 'missing field `token_endpoint_auth_signing_alg`',
        evidence: [at('token_endpoint_auth_method')],
        fix: {
          summary: `Add token_endpoint_auth_signing_alg (${method === 'client_secret_jwt' ? 'e.g. HS256' : 'e.g. RS256, matching a key in secrets.keys'}).`,
        },
      });
    }
    const apple = isSet(p.sign_in_with_apple);
    if (method === 'sign_in_with_apple' && !apple) {
      out.push({
        path,
        message: 'missing field `sign_in_with_apple`',
        evidence: [at('token_endpoint_auth_method')],
        fix: { summary: 'Add the sign_in_with_apple block (team_id, key_id, private_key_file).' },
      });
    }
    if (method !== 'sign_in_with_apple' && apple) {
      out.push({
        path,
        message: 'Unexpected field `sign_in_with_apple` for the selected authentication method',
        evidence: [at('token_endpoint_auth_method'), at('sign_in_with_apple')],
        fix: { summary: 'Remove sign_in_with_apple, or set token_endpoint_auth_method: sign_in_with_apple.' },
      });
    }
  }

  const claims = isRecord(p.claims_imports) ? p.claims_imports : {};
  const actionOf = (attr: string): string => {
    const a = getAt(claims, [attr, 'action']);
    return typeof a === 'string' ? a : 'ignore';
  };
  if (claims.skip_confirmation === true) {
    if (actionOf('localpart') !== 'require') {
      out.push({
        path: at('claims_imports', 'localpart'),
        message: 'The field `action` must be `require` when `skip_confirmation` is set to `true`',
        explanation:
          'Without a confirmation page MAS cannot ask for a username, so the localpart must come from the identity provider.',
        evidence: [at('claims_imports', 'skip_confirmation'), at('claims_imports', 'localpart', 'action')],
        fix: { summary: 'Set claims_imports.localpart.action: require (or drop skip_confirmation).' },
      });
    }
    for (const attr of ['email', 'displayname']) {
      if (actionOf(attr) === 'suggest') {
        out.push({
          path: at('claims_imports', attr),
          message: 'The field `action` must not be `suggest` when `skip_confirmation` is set to `true`',
          evidence: [at('claims_imports', 'skip_confirmation'), at('claims_imports', attr, 'action')],
          fix: {
            summary: `Set claims_imports.${attr}.action to force or require (a suggestion needs the confirmation page).`,
          },
        });
      }
    }
  }
  const onConflict = str(getAt(claims, ['localpart', 'on_conflict']));
  if (
    onConflict &&
    ['add', 'replace', 'set'].includes(onConflict) &&
    !['force', 'require'].includes(actionOf('localpart'))
  ) {
    out.push({
      path: at('claims_imports', 'localpart'),
      message:
        'The field `action` must be either `force` or `require` when `on_conflict` is set to `add`, `replace` or `set`',
      evidence: [
        at('claims_imports', 'localpart', 'on_conflict'),
        at('claims_imports', 'localpart', 'action'),
      ],
      fix: { summary: 'Set claims_imports.localpart.action: require.' },
    });
  }

  const alg = str(p.id_token_signed_response_alg);
  if (alg && /^HS(256|384|512)$/.test(alg)) {
    out.push({
      path: at('id_token_signed_response_alg'),
      mas: 'cannot-work',
      message: `id_token_signed_response_alg is ${alg}, which MAS can never verify`,
      explanation:
        "MAS verifies id_tokens only with the asymmetric keys of the provider’s JWKS (the failure reads `Verifying the 'id_token' returned by the provider failed` / `none of the keys worked`). Authentik signs with HS256 only when its provider has no signing key; select an RSA signing key in Authentik and use RS256 (ES256 for an EC key).",
      fix: {
        summary:
          'Give the Authentik provider an RSA signing key and set id_token_signed_response_alg: RS256 (or remove it: RS256 is the default).',
        snippet: 'id_token_signed_response_alg: RS256',
      },
    });
  }
  return out;
}

/**
 * MAS's own validation of `upstream_oauth2.providers` (crates/config/src/sections/
 * upstream_oauth2.rs `validate()`), with MAS's exact sentences and its `upstream_oauth2.
 * providers.<index>` paths, plus the problems MAS lets through but that can never work:
 * a non-ULID or lowercase id, duplicate ids, an HS* id_token algorithm. MAS stops at the
 * first error; every one is listed here.
 */
export function runProviderRulesCheck(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): Finding[] {
  const entries = providerEntries(view.data);
  const out: Finding[] = [];
  for (const entry of entries)
    for (const input of validateProvider(entry)) out.push(invalidFinding(view, input));

  // duplicate ids: within the document, and across fragments of the same file (ESS appends lists)
  const seen = new Map<string, string>();
  const fragment = isMasFragment(view, all, options);
  if (fragment) {
    for (const other of all) {
      if (other === view) break;
      if (other.kind !== 'mas' || other.file !== view.file || !isMasFragment(other, all, options)) continue;
      for (const e of providerEntries(other.data))
        if (typeof e.provider.id === 'string')
          seen.set(
            e.provider.id.toUpperCase(),
            `${masPath(e.path)} in ${other.via.join(' › ') || other.file}`,
          );
    }
  }
  for (const entry of entries) {
    const id = entry.provider.id;
    if (typeof id !== 'string') continue;
    const first = seen.get(id.toUpperCase());
    if (first) {
      out.push(
        invalidFinding(view, {
          path: [...entry.path, 'id'],
          message: `duplicate provider id \`${id}\` (also used by ${first})`,
          mas: 'cannot-work',
          explanation:
            'MAS stores providers by id, so two entries with one id become one provider and only one of the two configurations takes effect. With ESS, provider lists from several `additional` entries are appended, which is how a provider ends up listed twice.',
          fix: {
            summary:
              'Keep one entry per provider id (merge the two), or give the second provider its own ULID.',
          },
        }),
      );
    } else {
      seen.set(id.toUpperCase(), masPath(entry.path));
    }
  }
  return out;
}

export function masProviderRules(options: MasCheckOptions = {}): LintCheck {
  return {
    id: 'mas/provider-rules',
    codes: ['mas-config-invalid'],
    appliesTo: ['mas'],
    run: (view, all) => runProviderRulesCheck(view, all, options),
  };
}
