import { substituteUrls } from '../scenario/load.js';
import type { ServiceName } from '../scenario/schema.js';
import { randomUuid, sha256Hex, stableToken, stableUuid } from './ids.js';
import { generateKeyMaterial, type KeyMaterial } from './keys.js';
import type { AuthentikSection, PolicyBindingSpec, StageSpec, StageType } from './scenario.js';

/**
 * The emulator's database: plain, cloneable records (so a blueprint can be applied in one
 * transaction and rolled back), keyed by primary key, plus the key material of certificate
 * pairs, which is kept outside because KeyObjects cannot be cloned.
 */

export interface UserRec {
  pk: number;
  uuid: string;
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  groups: string[];
  password: string | null;
  type: string;
  path: string;
  attributes: Record<string, unknown>;
  date_joined: string;
  last_login: string | null;
  last_updated: string;
  password_change_date: string;
}

export interface GroupRec {
  pk: string;
  num_pk: number;
  name: string;
  is_superuser: boolean;
  parents: string[];
  attributes: Record<string, unknown>;
}

export interface FlowRec {
  pk: string;
  slug: string;
  name: string;
  title: string;
  designation: string;
  authentication: string;
  policy_engine_mode: string;
  denied_action: string;
  layout: string;
  compatibility_mode: boolean;
  background: string;
}

/** Stage settings, with references stored as primary keys. */
export interface StageRec {
  pk: string;
  name: string;
  type: StageType;
  settings: Record<string, unknown>;
}

export interface BindingRec {
  pk: string;
  target: string;
  stage: string;
  order: number;
  evaluate_on_plan: boolean;
  re_evaluate_policies: boolean;
  policy_engine_mode: string;
  invalid_response_action: string;
}

export interface PromptRec {
  pk: string;
  name: string;
  field_key: string;
  label: string;
  type: string;
  required: boolean;
  placeholder: string;
  initial_value: string;
  order: number;
  sub_text: string;
  placeholder_expression: boolean;
  initial_value_expression: boolean;
}

export interface ScopeMappingRec {
  pk: string;
  managed: string | null;
  name: string;
  expression: string;
  scope_name: string;
  description: string;
  claims?: Record<string, unknown>;
}

export interface CertRec {
  pk: string;
  name: string;
  managed: string | null;
  /** key material lives in Store.keys under the same pk */
  has_key: boolean;
}

export interface RedirectUri {
  matching_mode: 'strict' | 'regex';
  url: string;
  redirect_uri_type: 'authorization' | 'logout';
}

export interface ProviderRec {
  pk: number;
  name: string;
  authentication_flow: string | null;
  authorization_flow: string;
  invalidation_flow: string;
  property_mappings: string[];
  client_type: 'confidential' | 'public';
  grant_types: string[];
  client_id: string;
  client_secret: string;
  access_code_validity: string;
  access_token_validity: string;
  refresh_token_validity: string;
  refresh_token_threshold: string;
  include_claims_in_id_token: boolean;
  signing_key: string | null;
  encryption_key: string | null;
  redirect_uris: RedirectUri[];
  logout_uri: string;
  logout_method: string;
  sub_mode: string;
  issuer_mode: string;
}

export interface ApplicationRec {
  pk: string;
  name: string;
  slug: string;
  provider: number | null;
  policy_engine_mode: string;
  open_in_new_tab: boolean;
  meta_launch_url: string;
  meta_icon: string;
  meta_description: string;
  meta_publisher: string;
  group: string;
  meta_hide: boolean;
}

export interface PolicyRec {
  pk: string;
  name: string;
  expression: string;
  result?: boolean;
  message?: string;
  execution_logging: boolean;
}

export interface PolicyBindingRec {
  pk: string;
  target: string;
  policy: string | null;
  group: string | null;
  user: number | null;
  negate: boolean;
  enabled: boolean;
  order: number;
  timeout: number;
  failure_result: boolean;
}

export interface BrandRec {
  brand_uuid: string;
  domain: string;
  default: boolean;
  branding_title: string;
  branding_logo: string;
  branding_favicon: string;
  flow_authentication: string | null;
  flow_invalidation: string | null;
  flow_recovery: string | null;
  flow_unenrollment: string | null;
  flow_user_settings: string | null;
  flow_device_code: string | null;
  default_application: string | null;
  attributes: Record<string, unknown>;
}

export interface InvitationRec {
  pk: string;
  name: string;
  expires: string | null;
  fixed_data: Record<string, unknown>;
  single_use: boolean;
  flow: string | null;
  created_by: number;
}

export interface EventRec {
  pk: string;
  user: Record<string, unknown>;
  action: string;
  app: string;
  context: Record<string, unknown>;
  client_ip: string | null;
  created: string;
  expires: string;
  brand: Record<string, unknown>;
}

export interface BlueprintRec {
  pk: string;
  name: string;
  path: string;
  context: Record<string, unknown>;
  last_applied: string;
  last_applied_hash: string;
  status: string;
  enabled: boolean;
  managed_models: string[];
  metadata: Record<string, unknown>;
  content: string;
}

export interface TokenRec {
  identifier: string;
  key: string;
  user: number;
  intent: 'api';
}

export interface Data {
  users: Record<number, UserRec>;
  groups: Record<string, GroupRec>;
  flows: Record<string, FlowRec>;
  stages: Record<string, StageRec>;
  bindings: Record<string, BindingRec>;
  prompts: Record<string, PromptRec>;
  mappings: Record<string, ScopeMappingRec>;
  certs: Record<string, CertRec>;
  providers: Record<number, ProviderRec>;
  applications: Record<string, ApplicationRec>;
  policies: Record<string, PolicyRec>;
  policyBindings: Record<string, PolicyBindingRec>;
  brands: Record<string, BrandRec>;
  invitations: Record<string, InvitationRec>;
  events: EventRec[];
  blueprints: Record<string, BlueprintRec>;
  tokens: Record<string, TokenRec>;
  /** (user pk, application pk) -> consent expiry (ISO) or null for permanent */
  consents: Record<string, string | null>;
  seq: { user: number; provider: number; group: number };
}

export const ANONYMOUS_USER = { pk: 2, email: '', username: 'AnonymousUser' };
/** Django's AnonymousUser as a record (discovery evaluates mappings against it) */
export function anonymousUser(): UserRec {
  return {
    pk: ANONYMOUS_USER.pk,
    uuid: '00000000-0000-4000-8000-000000000002',
    username: ANONYMOUS_USER.username,
    name: '',
    email: '',
    is_active: true,
    groups: [],
    password: null,
    type: 'internal',
    path: 'users',
    attributes: {},
    date_joined: '1970-01-01T00:00:00.000000Z',
    last_login: null,
    last_updated: '1970-01-01T00:00:00.000000Z',
    password_change_date: '1970-01-01T00:00:00.000000Z',
  };
}

export const DEFAULT_AVATAR = '/static/dist/assets/images/user_default.png';
export const FLOW_BACKGROUND = '/static/dist/assets/images/flow_background.jpg';

export const STAGE_META: Record<
  StageType,
  { component: string; verbose: string; app: string; model: string; challenge?: string }
> = {
  identification: {
    component: 'ak-stage-identification-form',
    verbose: 'Identification Stage',
    app: 'authentik_stages_identification',
    model: 'identificationstage',
  },
  password: {
    component: 'ak-stage-password-form',
    verbose: 'Password Stage',
    app: 'authentik_stages_password',
    model: 'passwordstage',
  },
  prompt: {
    component: 'ak-stage-prompt-form',
    verbose: 'Prompt Stage',
    app: 'authentik_stages_prompt',
    model: 'promptstage',
  },
  user_write: {
    component: 'ak-stage-user-write-form',
    verbose: 'User Write Stage',
    app: 'authentik_stages_user_write',
    model: 'userwritestage',
  },
  user_login: {
    component: 'ak-stage-user-login-form',
    verbose: 'User Login Stage',
    app: 'authentik_stages_user_login',
    model: 'userloginstage',
  },
  user_logout: {
    component: 'ak-stage-user-logout-form',
    verbose: 'User Logout Stage',
    app: 'authentik_stages_user_logout',
    model: 'userlogoutstage',
  },
  email: {
    component: 'ak-stage-email-form',
    verbose: 'Email Stage',
    app: 'authentik_stages_email',
    model: 'emailstage',
  },
  invitation: {
    component: 'ak-stage-invitation-form',
    verbose: 'Invitation Stage',
    app: 'authentik_stages_invitation',
    model: 'invitationstage',
  },
  consent: {
    component: 'ak-stage-consent-form',
    verbose: 'Consent Stage',
    app: 'authentik_stages_consent',
    model: 'consentstage',
  },
};

/** Stage settings that reference other objects, and what they reference. */
export const STAGE_REFS: Record<string, 'flow' | 'stage' | 'group' | 'prompt[]' | 'policy[]'> = {
  password_stage: 'stage',
  enrollment_flow: 'flow',
  recovery_flow: 'flow',
  passwordless_flow: 'flow',
  configure_flow: 'flow',
  create_users_group: 'group',
  fields: 'prompt[]',
  validation_policies: 'policy[]',
};

export function nowIso(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

export class Store {
  data: Data;
  /** key material by certificate pk */
  readonly keys = new Map<string, KeyMaterial>();

  constructor(
    readonly section: AuthentikSection,
    readonly env: { urls: Record<ServiceName, string> },
  ) {
    this.data = this.build();
  }

  get installId(): string {
    return this.section.install_id;
  }

  // --- building from the scenario ------------------------------------------------------------

  private build(): Data {
    const s = this.section;
    const sub = (v: string) => substituteUrls(v, this.env.urls);
    const created = nowIso();
    const d: Data = {
      users: {},
      groups: {},
      flows: {},
      stages: {},
      bindings: {},
      prompts: {},
      mappings: {},
      certs: {},
      providers: {},
      applications: {},
      policies: {},
      policyBindings: {},
      brands: {},
      invitations: {},
      events: [],
      blueprints: {},
      tokens: {},
      consents: {},
      seq: { user: 0, provider: 0, group: 0 },
    };
    const groupPk = (name: string) => stableUuid('group', name);
    const flowPk = (slug: string) => stableUuid('flow', slug);
    const stagePk = (name: string) => stableUuid('stage', name);
    const policyPk = (name: string) => stableUuid('policy', name);

    for (const [name, g] of Object.entries(s.groups)) {
      d.groups[groupPk(name)] = {
        pk: groupPk(name),
        num_pk: 1000 + ++d.seq.group,
        name,
        is_superuser: g.is_superuser,
        parents: g.parents.map(groupPk),
        attributes: structuredClone(g.attributes),
      };
    }
    const explicitUserPks = new Set(Object.values(s.users).flatMap((u) => (u.pk ? [u.pk] : [])));
    let nextUser = 1;
    const allocUser = () => {
      while (explicitUserPks.has(nextUser) || nextUser === ANONYMOUS_USER.pk) nextUser++;
      return nextUser++;
    };
    for (const [username, u] of Object.entries(s.users)) {
      const pk = u.pk ?? allocUser();
      const joined = u.date_joined ?? created;
      d.users[pk] = {
        pk,
        uuid: u.uuid ?? stableUuid('user', username),
        username,
        name: u.name,
        email: u.email,
        is_active: u.is_active,
        groups: u.groups.map(groupPk),
        password: u.password,
        type: u.type,
        path: u.path,
        attributes: structuredClone(u.attributes),
        date_joined: joined,
        last_login: u.last_login,
        last_updated: joined,
        password_change_date: joined,
      };
    }
    d.seq.user = Math.max(0, ANONYMOUS_USER.pk, ...Object.keys(d.users).map(Number));
    const userPk = (username: string) => Object.values(d.users).find((u) => u.username === username)!.pk;

    for (const [name, p] of Object.entries(s.policies)) {
      d.policies[policyPk(name)] = {
        pk: policyPk(name),
        name,
        expression: p.expression,
        result: p.result,
        message: p.message,
        execution_logging: p.execution_logging,
      };
    }
    const bindPolicies = (target: string, list: PolicyBindingSpec[], scope: string) =>
      list.forEach((b, i) => {
        const pk = stableUuid('policybinding', scope, String(i));
        d.policyBindings[pk] = {
          pk,
          target,
          policy: b.policy ? policyPk(b.policy) : null,
          group: b.group ? groupPk(b.group) : null,
          user: b.user ? userPk(b.user) : null,
          negate: b.negate,
          enabled: b.enabled,
          order: b.order ?? i * 10,
          timeout: b.timeout,
          failure_result: b.failure_result,
        };
      });

    for (const [name, p] of Object.entries(s.prompts)) {
      const pk = stableUuid('prompt', name);
      d.prompts[pk] = { pk, name, ...p };
    }
    for (const [name, st] of Object.entries(s.stages)) {
      d.stages[stagePk(name)] = { pk: stagePk(name), name, type: st.type, settings: this.stageSettings(st) };
    }
    for (const [slug, f] of Object.entries(s.flows)) {
      const pk = flowPk(slug);
      d.flows[pk] = {
        pk,
        slug,
        name: f.name ?? slug,
        title: f.title ?? f.name ?? slug,
        designation: f.designation,
        authentication: f.authentication,
        policy_engine_mode: f.policy_engine_mode,
        denied_action: f.denied_action,
        layout: f.layout,
        compatibility_mode: f.compatibility_mode,
        background: f.background,
      };
      bindPolicies(pk, f.policies, `flow:${slug}`);
      f.stages.forEach((ref, i) => {
        const r = typeof ref === 'string' ? { stage: ref } : ref;
        const bpk = stableUuid('binding', slug, r.stage, String(i));
        d.bindings[bpk] = {
          pk: bpk,
          target: pk,
          stage: stagePk(r.stage),
          order: ('order' in r && r.order !== undefined ? r.order : undefined) ?? (i + 1) * 10,
          evaluate_on_plan: 'evaluate_on_plan' in r ? r.evaluate_on_plan : false,
          re_evaluate_policies: 're_evaluate_policies' in r ? r.re_evaluate_policies : true,
          policy_engine_mode: 'policy_engine_mode' in r ? r.policy_engine_mode : 'any',
          invalid_response_action: 'invalid_response_action' in r ? r.invalid_response_action : 'retry',
        };
        if (typeof ref !== 'string') bindPolicies(bpk, ref.policies, `binding:${slug}:${i}`);
      });
    }
    for (const [name, m] of Object.entries(s.property_mappings)) {
      const pk = stableUuid('scopemapping', name);
      d.mappings[pk] = {
        pk,
        managed: m.managed,
        name,
        expression: m.expression,
        scope_name: m.scope_name,
        description: m.description,
        claims: m.claims,
      };
    }
    for (const [name, c] of Object.entries(s.certificates)) {
      const pk = stableUuid('certificatekeypair', name);
      d.certs[pk] = { pk, name, managed: c.managed, has_key: true };
      this.keys.set(pk, generateKeyMaterial(c.common_name ?? name, c.key_type, c.curve));
    }
    const mappingPk = (ref: string) =>
      Object.values(d.mappings).find((m) => m.name === ref || m.managed === ref)!.pk;
    const certPk = (name: string | null) => (name === null ? null : stableUuid('certificatekeypair', name));
    const explicitProviderPks = new Set(Object.values(s.providers).flatMap((p) => (p.pk ? [p.pk] : [])));
    let nextProvider = 1;
    for (const [name, p] of Object.entries(s.providers)) {
      while (!p.pk && explicitProviderPks.has(nextProvider)) nextProvider++;
      const pk = p.pk ?? nextProvider++;
      d.providers[pk] = {
        pk,
        name,
        authentication_flow: p.authentication_flow ? flowPk(p.authentication_flow) : null,
        authorization_flow: flowPk(p.authorization_flow),
        invalidation_flow: flowPk(p.invalidation_flow),
        property_mappings: p.property_mappings.map(mappingPk),
        client_type: p.client_type,
        grant_types: [...p.grant_types],
        client_id: p.client_id ?? stableToken(40, 'client_id', name),
        client_secret: p.client_secret ?? stableToken(128, 'client_secret', name),
        access_code_validity: p.access_code_validity,
        access_token_validity: p.access_token_validity,
        refresh_token_validity: p.refresh_token_validity,
        refresh_token_threshold: p.refresh_token_threshold,
        include_claims_in_id_token: p.include_claims_in_id_token,
        signing_key: certPk(p.signing_key),
        encryption_key: certPk(p.encryption_key),
        redirect_uris: p.redirect_uris.map((r) => ({ ...r, url: sub(r.url) })),
        logout_uri: sub(p.logout_uri),
        logout_method: p.logout_method,
        sub_mode: p.sub_mode,
        issuer_mode: p.issuer_mode,
      };
    }
    d.seq.provider = Math.max(0, ...Object.keys(d.providers).map(Number));
    const providerPk = (name: string) => Object.values(d.providers).find((p) => p.name === name)!.pk;
    for (const [slug, a] of Object.entries(s.applications)) {
      const pk = stableUuid('application', slug);
      d.applications[pk] = {
        pk,
        slug,
        name: a.name ?? slug,
        provider: a.provider ? providerPk(a.provider) : null,
        policy_engine_mode: a.policy_engine_mode,
        open_in_new_tab: a.open_in_new_tab,
        meta_launch_url: sub(a.meta_launch_url),
        meta_icon: a.meta_icon,
        meta_description: a.meta_description,
        meta_publisher: a.meta_publisher,
        group: a.group,
        meta_hide: a.meta_hide,
      };
      bindPolicies(pk, a.policies, `application:${slug}`);
    }
    for (const [domain, b] of Object.entries(s.brands)) {
      const pk = stableUuid('brand', domain);
      const f = (slug: string | null) => (slug ? flowPk(slug) : null);
      d.brands[pk] = {
        brand_uuid: pk,
        domain,
        default: b.default,
        branding_title: b.branding_title,
        branding_logo: b.branding_logo,
        branding_favicon: b.branding_favicon,
        flow_authentication: f(b.flow_authentication),
        flow_invalidation: f(b.flow_invalidation),
        flow_recovery: f(b.flow_recovery),
        flow_unenrollment: f(b.flow_unenrollment),
        flow_user_settings: f(b.flow_user_settings),
        flow_device_code: f(b.flow_device_code),
        default_application: b.default_application ? stableUuid('application', b.default_application) : null,
        attributes: structuredClone(b.attributes),
      };
    }
    for (const [name, inv] of Object.entries(s.invitations)) {
      const pk = inv.pk ?? stableUuid('invitation', name);
      d.invitations[pk] = {
        pk,
        name,
        expires: inv.expires,
        fixed_data: structuredClone(inv.fixed_data),
        single_use: inv.single_use,
        flow: inv.flow ? flowPk(inv.flow) : null,
        created_by: userPk(inv.created_by),
      };
    }
    const tokenUser = userPk(s.api_token_user);
    d.tokens['ssochain-sandbox-api-token'] = {
      identifier: 'ssochain-sandbox-api-token',
      key: s.api_token,
      user: tokenUser,
      intent: 'api',
    };
    this.data = d;
    for (const e of s.events) {
      const user = e.username && e.username !== 'AnonymousUser' ? d.users[userPk(e.username)] : undefined;
      const at = e.created ?? created;
      d.events.push({
        pk: stableUuid('event', String(d.events.length), e.action, at),
        user: user ? this.eventUser(user) : { ...ANONYMOUS_USER },
        action: e.action,
        app: e.app ?? defaultEventApp(e.action),
        context: structuredClone(e.context),
        client_ip: e.client_ip,
        created: at,
        expires: addYear(at),
        brand: this.brandRef(),
      });
    }
    return d;
  }

  private stageSettings(st: StageSpec): Record<string, unknown> {
    const { type: _type, ...rest } = st;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      const kind = STAGE_REFS[key];
      if (!kind || value === null) out[key] = structuredClone(value);
      else if (kind === 'flow') out[key] = stableUuid('flow', value as string);
      else if (kind === 'stage') out[key] = stableUuid('stage', value as string);
      else if (kind === 'group') out[key] = stableUuid('group', value as string);
      else if (kind === 'prompt[]') out[key] = (value as string[]).map((v) => stableUuid('prompt', v));
      else out[key] = (value as string[]).map((v) => stableUuid('policy', v));
    }
    return out;
  }

  // --- transactions --------------------------------------------------------------------------

  /** Runs `fn` on a copy of the data; keeps it only when `fn` does not throw. */
  transaction<T>(fn: () => T): T {
    const before = structuredClone(this.data);
    try {
      return fn();
    } catch (err) {
      this.data = before;
      throw err;
    }
  }

  // --- lookups -------------------------------------------------------------------------------

  userByName(username: string): UserRec | undefined {
    return Object.values(this.data.users).find((u) => u.username === username);
  }
  flowBySlug(slug: string): FlowRec | undefined {
    return Object.values(this.data.flows).find((f) => f.slug === slug);
  }
  applicationBySlug(slug: string): ApplicationRec | undefined {
    return Object.values(this.data.applications).find((a) => a.slug === slug);
  }
  applicationForProvider(providerPk: number): ApplicationRec | undefined {
    return Object.values(this.data.applications).find((a) => a.provider === providerPk);
  }
  providerByClientId(clientId: string): ProviderRec | undefined {
    return Object.values(this.data.providers).find((p) => p.client_id === clientId);
  }
  bindingsOf(flowPk: string): BindingRec[] {
    return Object.values(this.data.bindings)
      .filter((b) => b.target === flowPk)
      .sort((a, b) => a.order - b.order);
  }
  policyBindingsOf(target: string): PolicyBindingRec[] {
    return Object.values(this.data.policyBindings)
      .filter((b) => b.target === target)
      .sort((a, b) => a.order - b.order);
  }
  /** groups of a user, including inherited parents */
  groupsOf(user: UserRec): GroupRec[] {
    const out = new Map<string, GroupRec>();
    const visit = (pk: string) => {
      const g = this.data.groups[pk];
      if (!g || out.has(pk)) return;
      out.set(pk, g);
      g.parents.forEach(visit);
    };
    user.groups.forEach(visit);
    return [...out.values()];
  }
  isSuperuser(user: UserRec): boolean {
    return this.groupsOf(user).some((g) => g.is_superuser);
  }
  /** Authentik's `User.uid`: sha256("<pk>-<install id>") */
  uid(user: UserRec): string {
    return sha256Hex(`${user.pk}-${this.installId}`);
  }
  defaultBrand(): BrandRec | undefined {
    const brands = Object.values(this.data.brands);
    return brands.find((b) => b.default) ?? brands[0];
  }
  /** the brand matching a request host (domain suffix), else the default brand */
  brandFor(host: string): BrandRec | undefined {
    const hostname = host.replace(/:\d+$/, '');
    const match = Object.values(this.data.brands)
      .filter(
        (b) => hostname === b.domain || hostname.endsWith(`.${b.domain}`) || hostname.endsWith(b.domain),
      )
      .sort((a, b) => b.domain.length - a.domain.length)[0];
    return match ?? this.defaultBrand();
  }
  brandRef(): Record<string, unknown> {
    const b = this.defaultBrand();
    return b
      ? {
          pk: b.brand_uuid.replace(/-/g, ''),
          app: 'authentik_brands',
          name: 'Default brand',
          model_name: 'brand',
        }
      : {};
  }
  eventUser(user: UserRec): Record<string, unknown> {
    return { pk: user.pk, email: user.email, username: user.username };
  }

  // --- allocation ----------------------------------------------------------------------------

  nextUserPk(): number {
    return ++this.data.seq.user;
  }
  nextProviderPk(): number {
    return ++this.data.seq.provider;
  }
  nextGroupNumPk(): number {
    return 1000 + ++this.data.seq.group;
  }
  newUuid(): string {
    return randomUuid();
  }
}

export function defaultEventApp(action: string): string {
  if (action === 'authorize_application') return 'authentik.providers.oauth2.views.authorize';
  if (action.startsWith('model_')) return 'authentik.events.middleware';
  if (action === 'configuration_error') return 'authentik.providers.oauth2.views.token';
  return 'authentik.events.signals';
}

export function addYear(iso: string): string {
  const d = new Date(iso);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().replace('Z', '000Z');
}
