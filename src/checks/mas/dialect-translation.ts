/**
 * Translates Synapse-style OIDC provider configuration into MAS's `upstream_oauth2.providers[]`
 * entry. The mapping follows MAS's own converter (`crates/syn2mas/src/synapse_reader/config/
 * oidc.rs`), with three deliberate differences, each explained in the notes it emits:
 *  - the client secret is never copied into the output (ssochain prints no secrets);
 *  - Synapse's `client_secret_path` becomes MAS's `client_secret_file` (MAS has it now);
 *  - the provider id is reused when one is already known (see `chooseProviderId`).
 * Pure: the same input always gives the same provider and the same notes.
 */
import { Document, isScalar, type YAMLMap } from 'yaml';
import { MAS_SCHEMA_DEFINITIONS } from '../../knowledge/mas-config-schema.js';
import { resolveMasType } from '../../knowledge/mas-schema.js';
import { isRecord, isSet } from './config-data.js';
import { DIALECT_TEMPLATE_KEYS, type DialectSource } from './dialect-blocks.js';
import { deriveProviderUlid, isMasUlid } from './provider-id.js';
import { isSecretPath } from './secret-values.js';

export const SECRET_PLACEHOLDER = '<same client_secret as before; never pasted here>';
const ISSUER_PLACEHOLDER = 'https://<authentik-domain>/application/o/<app-slug>/';
const CLIENT_ID_PLACEHOLDER = '<client-id>';

const TOKEN_AUTH_METHODS = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'sign_in_with_apple',
];

/** Provider keys MAS knows, in the order a translated provider is written. */
function masProviderKeys(): string[] {
  const provider = resolveMasType({ t: 'ref', name: 'Provider' });
  return provider.t === 'object' ? Object.keys(provider.properties) : [];
}

function enumValues(definition: string): readonly string[] {
  const type = MAS_SCHEMA_DEFINITIONS[definition];
  return type && type.t === 'enum' ? type.values : [];
}

export interface TranslatedProvider {
  provider: Record<string, unknown>;
  /** one sentence per decision the translation made, for the finding's detail */
  notes: string[];
  /** true when the source had a client secret that the admin must put back by hand */
  secretOmitted: boolean;
}

export interface IdChoice {
  id: string;
  /** why this id (reused from X / derived) */
  reason: string;
}

export interface IdContext {
  /** MAS providers already configured (this document and other MAS documents linted with it) */
  existing: readonly Record<string, unknown>[];
  /** ULIDs of `/upstream/callback/<ULID>` URLs mentioned anywhere in the linted files */
  callbackIds: readonly string[];
  /** how many providers this translation is producing in total (callback ids are only reused for one) */
  providerCount: number;
}

/**
 * The id for a translated provider. An id that already exists is worth more than any new one:
 * Authentik's redirect URI `<public_base>/upstream/callback/<ID>` is registered for it, and
 * MAS's upstream links (users already signed in) hang off it. Order: the entry's own valid id;
 * an existing MAS provider with the same issuer and client_id; a callback URL found in the
 * files; otherwise one derived deterministically from issuer + client_id.
 */
export function chooseProviderId(data: Record<string, unknown>, ctx: IdContext): IdChoice {
  const own = typeof data.id === 'string' ? data.id : undefined;
  if (own && isMasUlid(own)) return { id: own, reason: 'kept the entry’s own id' };
  if (own && isMasUlid(own.toUpperCase()))
    return { id: own.toUpperCase(), reason: 'kept the entry’s own id, in uppercase' };
  const issuer = typeof data.issuer === 'string' ? data.issuer : undefined;
  const clientId = isSet(data.client_id) ? String(data.client_id) : undefined;
  if (issuer) {
    const match = ctx.existing.find(
      (p) =>
        p.issuer === issuer &&
        (clientId === undefined || String(p.client_id) === clientId) &&
        typeof p.id === 'string' &&
        isMasUlid(p.id),
    );
    if (match)
      return {
        id: match.id as string,
        reason: `reused the id of the MAS provider already configured for ${issuer}`,
      };
  }
  const usedIds = new Set(ctx.existing.map((p) => p.id));
  const callback = ctx.callbackIds.filter((id) => !usedIds.has(id));
  if (ctx.providerCount === 1 && callback.length >= 1) {
    const others = callback.length > 1 ? ` (other callback ids seen: ${callback.slice(1).join(', ')})` : '';
    return {
      id: callback[0]!,
      reason: `reused ${callback[0]} from the callback URL …/upstream/callback/${callback[0]} found in the files, which is what Authentik has registered${others}`,
    };
  }
  return {
    id: deriveProviderUlid(issuer ?? '', clientId ?? ''),
    reason:
      'derived from the issuer and client_id (the same input always gives the same id); register …/upstream/callback/<id> in Authentik',
  };
}

/** Synapse's `localpart_from_email` filter does not exist in MAS; `split('@')` does the same. */
export function translateTemplate(template: string): string {
  return template.replace(
    /\{\{\s*([A-Za-z_][\w.[\]'"]*)\s*\|\s*localpart_from_email\s*\}\}/g,
    "{{ ($1 | split('@'))[0] }}",
  );
}

/** Keys of Synapse's `user_mapping_provider.config`, wherever they were pasted. */
function isMappingKey(key: string): boolean {
  return DIALECT_TEMPLATE_KEYS.has(key);
}

function mappingConfigOf(source: DialectSource): { config: Record<string, unknown>; module?: unknown } {
  const config: Record<string, unknown> = {};
  let module: unknown;
  const absorb = (map: Record<string, unknown> | undefined) => {
    if (!map) return;
    for (const key of ['user_mapping_provider', 'user_mapping']) {
      const block = map[key];
      if (!isRecord(block)) continue;
      if (block.module !== undefined) module = block.module;
      Object.assign(config, isRecord(block.config) ? block.config : block);
    }
    for (const [k, v] of Object.entries(map)) {
      if (isMappingKey(k)) config[k] = v;
    }
  };
  absorb(source.data);
  absorb(source.extraMapping);
  return { config, module };
}

const JINJA_MAPPING_MODULES = new Set([
  'synapse.handlers.oidc.JinjaOidcMappingProvider',
  'synapse.handlers.oidc_handler.JinjaOidcMappingProvider',
]);

function translateClaimsImports(source: DialectSource, notes: string[]): Record<string, unknown> | undefined {
  const existing = isRecord(source.data.claims_imports) ? structuredClone(source.data.claims_imports) : {};
  for (const k of Object.keys(existing)) {
    if (isMappingKey(k)) delete existing[k];
  }
  const { config, module } = mappingConfigOf(source);
  if (module !== undefined && !(typeof module === 'string' && JINJA_MAPPING_MODULES.has(module))) {
    notes.push(
      'The custom user_mapping_provider module has no MAS equivalent; adjust claims_imports to what it did.',
    );
  }
  const confirm = config.confirm_localpart === true;
  const set = (attr: string, template: unknown, action: string) => {
    if (typeof template !== 'string') return;
    const current = isRecord(existing[attr]) ? existing[attr] : {};
    existing[attr] = {
      action: current.action ?? action,
      template: current.template ?? translateTemplate(template),
      ...current,
    };
    if (translateTemplate(template) !== template)
      notes.push(
        `${attr}: Synapse's localpart_from_email filter does not exist in MAS; rewritten with split('@').`,
      );
  };
  set('localpart', config.localpart_template, confirm ? 'suggest' : 'require');
  set('displayname', config.display_name_template, confirm ? 'suggest' : 'force');
  set('email', config.email_template, confirm ? 'suggest' : 'force');
  if (typeof config.localpart_template === 'string') {
    notes.push(
      confirm
        ? 'confirm_localpart: true becomes action `suggest` for every attribute: the user confirms or edits them on the registration page, as Synapse asked them to.'
        : 'localpart gets action `require` (sign-in fails loudly if the claim is missing, instead of creating a user with a random name); displayname and email get `force`, which imports them without asking, as Synapse did (use `suggest` to let users edit them).',
    );
  }
  if (typeof config.subject_template === 'string') existing.subject = { template: config.subject_template };
  else if (typeof config.subject_claim === 'string')
    existing.subject = { template: `{{ user.${config.subject_claim} }}` };
  if (config.picture_template !== undefined)
    notes.push('picture_template has no MAS equivalent (MAS does not import avatars); dropped.');
  if (config.extra_attributes !== undefined) notes.push('extra_attributes has no MAS equivalent; dropped.');
  if (source.data.allow_existing_users === true) {
    const localpart = isRecord(existing.localpart) ? existing.localpart : undefined;
    if (localpart && (localpart.action === 'require' || localpart.action === 'force')) {
      localpart.on_conflict = localpart.on_conflict ?? 'add';
      notes.push(
        'allow_existing_users: true becomes claims_imports.localpart.on_conflict: add, which links a sign-in to an existing MAS user with the same localpart; only keep it if Authentik usernames cannot be chosen freely by users.',
      );
    } else {
      notes.push(
        'allow_existing_users: true has an equivalent (localpart.on_conflict: add) only with localpart action require or force; not translated.',
      );
    }
  }
  return Object.keys(existing).length ? existing : undefined;
}

/** Translates one provider's worth of (possibly mixed) configuration into a MAS provider entry. */
export function translateToMasProvider(source: DialectSource, ctx: IdContext): TranslatedProvider {
  const data = source.data;
  const notes: string[] = [];
  const out: Record<string, unknown> = {};

  const idChoice = chooseProviderId(data, ctx);
  out.id = idChoice.id;
  notes.push(`id: ${idChoice.reason}.`);

  const humanName = data.human_name ?? data.idp_name;
  if (isSet(humanName)) out.human_name = String(humanName);
  else if (typeof data.issuer === 'string' && data.issuer.includes('/application/o/')) {
    // the label of the login button; without it MAS shows the issuer URL
    out.human_name = 'Authentik';
    notes.push(
      'human_name: Authentik (the label of the “Sign in with …” button; the issuer is an Authentik one).',
    );
  }
  const brand = data.brand_name ?? data.idp_brand;
  if (isSet(brand)) out.brand_name = String(brand);

  if (typeof data.issuer === 'string') {
    out.issuer = data.issuer;
    if (/\/application\/o\/[^/]+$/.test(data.issuer)) {
      notes.push(
        'issuer kept exactly as written, but Authentik’s per-provider issuer ends with a slash (…/application/o/<slug>/) and MAS compares it byte for byte with the discovery document: check it.',
      );
    }
  } else {
    out.issuer = ISSUER_PLACEHOLDER;
    notes.push(
      'issuer was not set: fill in the issuer from Authentik’s OpenID configuration (with its trailing slash).',
    );
  }
  out.client_id = isSet(data.client_id) ? String(data.client_id) : CLIENT_ID_PLACEHOLDER;

  const hasSecretValue = isSet(data.client_secret);
  const secretFile =
    typeof data.client_secret_file === 'string'
      ? data.client_secret_file
      : typeof data.client_secret_path === 'string'
        ? data.client_secret_path
        : undefined;
  const declared = [data.token_endpoint_auth_method, data.client_auth_method].find(
    (m) => typeof m === 'string' && TOKEN_AUTH_METHODS.includes(m),
  );
  const method =
    (declared as string | undefined) ?? (hasSecretValue || secretFile ? 'client_secret_basic' : 'none');
  const usesSecret =
    method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt';
  let secretOmitted = false;
  if (usesSecret) {
    if (secretFile) {
      out.client_secret_file = secretFile;
      if (data.client_secret_path !== undefined && data.client_secret_file === undefined)
        notes.push('client_secret_path becomes client_secret_file (same file).');
    } else {
      out.client_secret = SECRET_PLACEHOLDER;
      secretOmitted = hasSecretValue;
      notes.push(
        'client_secret: ssochain never copies secrets into a report. Paste the same secret back, or better, point client_secret_file at a file mounted from a Secret (with ESS: a configSecret entry).',
      );
    }
  }
  out.token_endpoint_auth_method = method;
  if (!declared)
    notes.push(
      `token_endpoint_auth_method: ${method} (MAS has no default for it; Synapse’s default was client_secret_basic with a secret, none without).`,
    );
  else if (data.token_endpoint_auth_method === undefined)
    notes.push(`client_auth_method becomes token_endpoint_auth_method: ${method}.`);
  if (data.client_secret_jwt_key !== undefined)
    notes.push(
      'client_secret_jwt_key has no direct equivalent: with MAS use token_endpoint_auth_method: private_key_jwt and a key in secrets.keys.',
    );

  if (typeof data.scope === 'string') out.scope = data.scope;
  else if (Array.isArray(data.scopes)) {
    out.scope = data.scopes.map(String).join(' ');
    notes.push(`scopes (a list) becomes scope: "${out.scope}" (one space-separated string).`);
  } else if (typeof data.scopes === 'string') out.scope = data.scopes;

  const discoveryModes = enumValues('DiscoveryMode');
  if (typeof data.discovery_mode === 'string' && discoveryModes.includes(data.discovery_mode))
    out.discovery_mode = data.discovery_mode;
  else if (data.discover === false) out.discovery_mode = 'disabled';
  else if (data.skip_verification === true) out.discovery_mode = 'insecure';

  if (data.fetch_userinfo !== undefined) out.fetch_userinfo = data.fetch_userinfo;
  else if (data.user_profile_method === 'userinfo_endpoint') {
    out.fetch_userinfo = true;
    notes.push('user_profile_method: userinfo_endpoint becomes fetch_userinfo: true.');
  }

  if (data.on_backchannel_logout === undefined && data.backchannel_logout_enabled === true) {
    out.on_backchannel_logout = 'logout_browser_only';
    notes.push(
      'backchannel_logout_enabled: true becomes on_backchannel_logout: logout_browser_only (logout_all also ends the user’s client sessions).',
    );
  }

  const synapseIdpId =
    typeof data.idp_id === 'string' ? `oidc-${data.idp_id}` : source.legacyOidcConfig ? 'oidc' : undefined;
  if (data.synapse_idp_id === undefined && synapseIdpId) {
    out.synapse_idp_id = synapseIdpId;
    notes.push(
      `synapse_idp_id: ${synapseIdpId} lets syn2mas carry existing Synapse SSO links over; harmless otherwise.`,
    );
  }

  for (const [key, note] of [
    [
      'attribute_requirements',
      'attribute_requirements has no MAS equivalent (use MAS policy or Authentik’s application bindings); dropped.',
    ],
    [
      'enable_registration',
      'enable_registration has no MAS equivalent (use registration_token_required or MAS policy); dropped.',
    ],
    ['idp_icon', 'idp_icon has no MAS equivalent (brand_name picks a built-in icon); dropped.'],
    [
      'id_token_signing_alg_values_supported',
      'id_token_signing_alg_values_supported: MAS takes a single id_token_signed_response_alg (RS256 by default); dropped.',
    ],
    [
      'redirect_uri',
      'redirect_uri: MAS’s callback is always <public_base>/upstream/callback/<id>; register that at the identity provider. Dropped.',
    ],
    [
      'passthrough_authorization_parameters',
      'passthrough_authorization_parameters: in MAS, write each as additional_authorization_parameters.<name>: "{{ params.<name> }}"; dropped.',
    ],
  ] as const) {
    if (data[key] !== undefined) notes.push(note);
  }

  // every other MAS provider key already present (mixed entries) is kept as written, in
  // schema order, except credentials (the secret placeholder above stands for them)
  for (const key of masProviderKeys()) {
    if (key in out || key === 'claims_imports' || data[key] === undefined) continue;
    if (key === 'client_secret' || key === 'client_secret_file') continue;
    if (key === 'sign_in_with_apple' || isSecretPath([key])) continue;
    out[key] = structuredClone(data[key]);
  }

  const claims = translateClaimsImports(source, notes);
  if (claims) out.claims_imports = claims;

  return { provider: orderProvider(out), notes, secretOmitted };
}

/** Writes keys in a fixed, readable order: identity, endpoints, auth, then the rest. */
function orderProvider(provider: Record<string, unknown>): Record<string, unknown> {
  const order = [
    'enabled',
    'id',
    'human_name',
    'brand_name',
    'issuer',
    'client_id',
    'client_secret',
    'client_secret_file',
    'token_endpoint_auth_method',
    'scope',
  ];
  const out: Record<string, unknown> = {};
  for (const key of order) if (key in provider) out[key] = provider[key];
  for (const [key, value] of Object.entries(provider))
    if (!(key in out) && key !== 'claims_imports') out[key] = value;
  if ('claims_imports' in provider) out.claims_imports = provider.claims_imports;
  return out;
}

/**
 * The fix snippet: an `upstream_oauth2.providers` block holding the translated providers, with
 * a comment where the admin must put the client secret back.
 */
export function renderProvidersSnippet(
  providers: readonly Record<string, unknown>[],
  header?: string,
): string {
  const doc = new Document({ upstream_oauth2: { providers } });
  const list = doc.getIn(['upstream_oauth2', 'providers'], true) as { items?: unknown[] } | undefined;
  for (const item of list?.items ?? []) {
    for (const pair of (item as YAMLMap).items ?? []) {
      if (
        isScalar(pair.key) &&
        pair.key.value === 'client_secret' &&
        isScalar(pair.value) &&
        pair.value.value === SECRET_PLACEHOLDER
      ) {
        pair.key.commentBefore = ' put the existing client secret here by hand, or use client_secret_file';
      }
    }
  }
  if (header) doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}
