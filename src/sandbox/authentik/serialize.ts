import {
  DEFAULT_AVATAR,
  FLOW_BACKGROUND,
  STAGE_META,
  type ApplicationRec,
  type BindingRec,
  type BlueprintRec,
  type BrandRec,
  type CertRec,
  type FlowRec,
  type GroupRec,
  type InvitationRec,
  type PolicyBindingRec,
  type PolicyRec,
  type PromptRec,
  type ProviderRec,
  type ScopeMappingRec,
  type StageRec,
  type Store,
  type UserRec,
} from './model.js';

/**
 * API representations, field for field as the serializers of Authentik 2026.8 emit them
 * (checked against `@goauthentik/api`'s schema.yml by the contract test).
 */

export function partialGroup(g: GroupRec) {
  return { pk: g.pk, num_pk: g.num_pk, name: g.name, is_superuser: g.is_superuser, attributes: g.attributes };
}

export function partialUser(store: Store, u: UserRec) {
  return {
    pk: u.pk,
    username: u.username,
    name: u.name,
    is_active: u.is_active,
    last_login: u.last_login,
    email: u.email,
    attributes: u.attributes,
    uid: store.uid(u),
  };
}

export function user(store: Store, u: UserRec) {
  return {
    pk: u.pk,
    username: u.username,
    name: u.name,
    is_active: u.is_active,
    last_login: u.last_login,
    date_joined: u.date_joined,
    is_superuser: store.isSuperuser(u),
    groups: u.groups,
    groups_obj: u.groups.flatMap((g) => (store.data.groups[g] ? [partialGroup(store.data.groups[g])] : [])),
    roles: [],
    roles_obj: [],
    email: u.email,
    avatar: DEFAULT_AVATAR,
    attributes: u.attributes,
    uid: store.uid(u),
    path: u.path,
    type: u.type,
    uuid: u.uuid,
    password_change_date: u.password_change_date,
    last_updated: u.last_updated,
  };
}

export function userSelf(store: Store, u: UserRec) {
  return {
    pk: u.pk,
    username: u.username,
    name: u.name,
    is_active: u.is_active,
    is_superuser: store.isSuperuser(u),
    is_current: true,
    groups: store.groupsOf(u).map((g) => ({ name: g.name, pk: g.pk })),
    roles: [],
    email: u.email,
    avatar: DEFAULT_AVATAR,
    uid: store.uid(u),
    settings: {},
    type: u.type,
    system_permissions: [],
  };
}

function relatedGroup(g: GroupRec) {
  return { pk: g.pk, name: g.name, is_superuser: g.is_superuser, attributes: g.attributes, group_uuid: g.pk };
}

export function group(store: Store, g: GroupRec) {
  const members = Object.values(store.data.users).filter((u) => u.groups.includes(g.pk));
  const children = Object.values(store.data.groups).filter((c) => c.parents.includes(g.pk));
  return {
    pk: g.pk,
    num_pk: g.num_pk,
    name: g.name,
    is_superuser: g.is_superuser,
    parents: g.parents,
    parents_obj: g.parents.flatMap((p) => (store.data.groups[p] ? [relatedGroup(store.data.groups[p])] : [])),
    users: members.map((u) => u.pk),
    users_obj: members.map((u) => partialUser(store, u)),
    attributes: g.attributes,
    roles: [],
    roles_obj: [],
    inherited_roles_obj: [],
    children: children.map((c) => c.pk),
    children_obj: children.map(relatedGroup),
  };
}

export function flowSet(f: FlowRec) {
  return {
    pk: f.pk,
    policybindingmodel_ptr_id: f.pk,
    name: f.name,
    slug: f.slug,
    title: f.title,
    designation: f.designation,
    background_url: f.background || FLOW_BACKGROUND,
    policy_engine_mode: f.policy_engine_mode,
    compatibility_mode: f.compatibility_mode,
    export_url: `/api/v3/flows/instances/${f.slug}/export/`,
    layout: f.layout,
    denied_action: f.denied_action,
  };
}

export function flow(store: Store, f: FlowRec) {
  return {
    pk: f.pk,
    policybindingmodel_ptr_id: f.pk,
    name: f.name,
    slug: f.slug,
    title: f.title,
    designation: f.designation,
    background: f.background,
    background_url: f.background || FLOW_BACKGROUND,
    background_themed_urls: null,
    stages: store.bindingsOf(f.pk).map((b) => b.stage),
    policies: store.policyBindingsOf(f.pk).flatMap((b) => (b.policy ? [b.policy] : [])),
    cache_count: 0,
    policy_engine_mode: f.policy_engine_mode,
    compatibility_mode: f.compatibility_mode,
    export_url: `/api/v3/flows/instances/${f.slug}/export/`,
    layout: f.layout,
    denied_action: f.denied_action,
    authentication: f.authentication,
  };
}

export function stageBase(store: Store, s: StageRec) {
  const meta = STAGE_META[s.type];
  const flows = new Set(
    Object.values(store.data.bindings).flatMap((b) => (b.stage === s.pk ? [b.target] : [])),
  );
  return {
    pk: s.pk,
    name: s.name,
    component: meta.component,
    verbose_name: meta.verbose,
    verbose_name_plural: `${meta.verbose}s`,
    meta_model_name: `${meta.app}.${meta.model}`,
    flow_set: [...flows].flatMap((pk) => (store.data.flows[pk] ? [flowSet(store.data.flows[pk])] : [])),
  };
}

/** A stage with its type-specific fields (IdentificationStage, PasswordStage, ...). */
export function stage(store: Store, s: StageRec) {
  const settings = { ...s.settings };
  if (s.type === 'email') delete settings.password;
  return { ...stageBase(store, s), ...settings };
}

export function binding(store: Store, b: BindingRec) {
  const s = store.data.stages[b.stage];
  return {
    pk: b.pk,
    policybindingmodel_ptr_id: b.pk,
    target: b.target,
    stage: b.stage,
    stage_obj: s ? stageBase(store, s) : null,
    evaluate_on_plan: b.evaluate_on_plan,
    re_evaluate_policies: b.re_evaluate_policies,
    order: b.order,
    policy_engine_mode: b.policy_engine_mode,
    invalid_response_action: b.invalid_response_action,
  };
}

export function prompt(store: Store, p: PromptRec) {
  const { name, ...rest } = p;
  const stages = Object.values(store.data.stages).filter(
    (s) => s.type === 'prompt' && (s.settings.fields as string[]).includes(p.pk),
  );
  return {
    ...rest,
    pk: p.pk,
    name,
    prompt_stages_obj: stages.map((s) => stage(store, s)),
  };
}

export function scopeMapping(m: ScopeMappingRec) {
  return {
    pk: m.pk,
    managed: m.managed,
    name: m.name,
    expression: m.expression,
    component: 'ak-property-mapping-provider-scope-form',
    verbose_name: 'Scope Mapping',
    verbose_name_plural: 'Scope Mappings',
    meta_model_name: 'authentik_providers_oauth2.scopemapping',
    scope_name: m.scope_name,
    description: m.description,
  };
}

export function certificate(store: Store, c: CertRec) {
  const k = store.keys.get(c.pk);
  return {
    pk: c.pk,
    name: c.name,
    fingerprint_sha256: k?.fingerprintSha256 ?? null,
    fingerprint_sha1: k?.fingerprintSha1 ?? null,
    cert_expiry: k ? k.notAfter.toISOString() : null,
    cert_subject: k?.subject ?? null,
    private_key_available: !!k,
    key_type: k?.keyType ?? null,
    certificate_download_url: `/api/v3/crypto/certificatekeypairs/${c.pk}/view_certificate/?download`,
    private_key_download_url: `/api/v3/crypto/certificatekeypairs/${c.pk}/view_private_key/?download`,
    managed: c.managed,
  };
}

function providerBase(store: Store, p: ProviderRec) {
  const app = store.applicationForProvider(p.pk);
  return {
    pk: p.pk,
    name: p.name,
    authentication_flow: p.authentication_flow,
    authorization_flow: p.authorization_flow,
    invalidation_flow: p.invalidation_flow,
    property_mappings: p.property_mappings,
    component: 'ak-provider-oauth2-form',
    assigned_application_slug: app?.slug ?? null,
    assigned_application_name: app?.name ?? null,
    assigned_backchannel_application_slug: null,
    assigned_backchannel_application_name: null,
    verbose_name: 'OAuth2/OpenID Provider',
    verbose_name_plural: 'OAuth2/OpenID Providers',
    meta_model_name: 'authentik_providers_oauth2.oauth2provider',
  };
}

/** The generic `Provider` (application.provider_obj) */
export function providerGeneric(store: Store, p: ProviderRec) {
  return providerBase(store, p);
}

export function oauth2Provider(store: Store, p: ProviderRec) {
  return {
    ...providerBase(store, p),
    client_type: p.client_type,
    grant_types: p.grant_types,
    client_id: p.client_id,
    client_secret: p.client_secret,
    access_code_validity: p.access_code_validity,
    access_token_validity: p.access_token_validity,
    refresh_token_validity: p.refresh_token_validity,
    refresh_token_threshold: p.refresh_token_threshold,
    include_claims_in_id_token: p.include_claims_in_id_token,
    signing_key: p.signing_key,
    encryption_key: p.encryption_key,
    redirect_uris: p.redirect_uris,
    logout_uri: p.logout_uri,
    logout_method: p.logout_method,
    sub_mode: p.sub_mode,
    issuer_mode: p.issuer_mode,
    jwt_federation_sources: [],
    jwt_federation_providers: [],
  };
}

export function application(store: Store, a: ApplicationRec) {
  const p = a.provider !== null ? store.data.providers[a.provider] : undefined;
  return {
    pk: a.pk,
    pbm_uuid: a.pk,
    name: a.name,
    slug: a.slug,
    provider: a.provider,
    provider_obj: p ? providerGeneric(store, p) : null,
    backchannel_providers: [],
    backchannel_providers_obj: [],
    launch_url: a.meta_launch_url || null,
    open_in_new_tab: a.open_in_new_tab,
    meta_launch_url: a.meta_launch_url,
    meta_icon: a.meta_icon,
    meta_icon_url: a.meta_icon || null,
    meta_icon_themed_urls: null,
    meta_description: a.meta_description,
    meta_publisher: a.meta_publisher,
    policy_engine_mode: a.policy_engine_mode,
    group: a.group,
    meta_hide: a.meta_hide,
  };
}

export function brand(b: BrandRec) {
  return {
    brand_uuid: b.brand_uuid,
    domain: b.domain,
    default: b.default,
    branding_title: b.branding_title,
    branding_logo: b.branding_logo,
    branding_favicon: b.branding_favicon,
    branding_custom_css: '',
    branding_default_flow_background: FLOW_BACKGROUND,
    branding_map_tiles: '',
    flow_authentication: b.flow_authentication,
    flow_user_switch: null,
    flow_invalidation: b.flow_invalidation,
    flow_recovery: b.flow_recovery,
    flow_unenrollment: b.flow_unenrollment,
    flow_user_settings: b.flow_user_settings,
    flow_device_code: b.flow_device_code,
    flow_lockdown: null,
    flow_request: null,
    default_application: b.default_application,
    web_certificate: null,
    client_certificates: [],
    attributes: b.attributes,
  };
}

export function currentBrand(store: Store, b: BrandRec | undefined, host: string) {
  const slug = (pk: string | null | undefined) => (pk ? (store.data.flows[pk]?.slug ?? '') : '');
  return {
    matched_domain: b?.domain ?? host,
    branding_title: b?.branding_title ?? 'authentik',
    branding_logo: b?.branding_logo ?? '',
    branding_logo_themed_urls: null,
    branding_favicon: b?.branding_favicon ?? '',
    branding_favicon_themed_urls: null,
    branding_custom_css: '',
    branding_map_tiles: '',
    ui_footer_links: [],
    ui_theme: 'automatic',
    flow_authentication: slug(b?.flow_authentication),
    flow_invalidation: slug(b?.flow_invalidation),
    flow_recovery: slug(b?.flow_recovery),
    flow_unenrollment: slug(b?.flow_unenrollment),
    flow_user_settings: slug(b?.flow_user_settings),
    flow_device_code: slug(b?.flow_device_code),
    default_locale: '',
    flags: { flows_continuous_login: false, flows_refresh_others: false },
  };
}

export function invitation(store: Store, i: InvitationRec) {
  const creator = store.data.users[i.created_by];
  const f = i.flow ? store.data.flows[i.flow] : undefined;
  return {
    pk: i.pk,
    name: i.name,
    expires: i.expires,
    fixed_data: i.fixed_data,
    created_by: creator ? partialUser(store, creator) : null,
    single_use: i.single_use,
    flow: i.flow,
    flow_obj: f ? flow(store, f) : null,
  };
}

export function policy(store: Store, p: PolicyRec) {
  return {
    pk: p.pk,
    name: p.name,
    execution_logging: p.execution_logging,
    component: 'ak-policy-expression-form',
    verbose_name: 'Expression Policy',
    verbose_name_plural: 'Expression Policies',
    meta_model_name: 'authentik_policies_expression.expressionpolicy',
    bound_to: Object.values(store.data.policyBindings).filter((b) => b.policy === p.pk).length,
  };
}

export function policyBinding(store: Store, b: PolicyBindingRec) {
  const p = b.policy ? store.data.policies[b.policy] : undefined;
  const g = b.group ? store.data.groups[b.group] : undefined;
  const u = b.user !== null ? store.data.users[b.user] : undefined;
  return {
    pk: b.pk,
    policy: b.policy,
    group: b.group,
    user: b.user,
    policy_obj: p ? policy(store, p) : null,
    group_obj: g ? partialGroup(g) : null,
    user_obj: u ? partialUser(store, u) : null,
    target: b.target,
    negate: b.negate,
    enabled: b.enabled,
    order: b.order,
    timeout: b.timeout,
    failure_result: b.failure_result,
    expires: null,
    expiring: false,
  };
}

export function blueprint(b: BlueprintRec) {
  return { ...b };
}
