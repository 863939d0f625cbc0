import { z } from 'zod';

/**
 * The `authentik:` section of a scenario file.
 *
 * A scenario states only what differs from the seed (the Authentik side of the case that started
 * ssochain: `akadmin`, `boje` created through enrollment, the default flows, a `matrix`
 * application backed by `matrix-provider`). The section is parsed in two steps:
 *
 * 1. the override (`AuthentikOverrideSchema`): every collection is a map keyed by the object's
 *    name (username, group name, flow slug, stage name, ...), values are partial objects;
 * 2. the override is deep-merged over the seed (`mergeSection`) and the result is validated by
 *    the full schemas below, which fill Authentik's model defaults and check references.
 *
 * Merge rules (documented in docs/sandbox-authentik.md):
 * - objects in a collection are merged field by field; a field that is an object (e.g.
 *   `attributes`, `fixed_data`) is merged recursively; arrays and scalars replace;
 * - an object given as `null` deletes it (`users: {boje: null}`); a field given as `null` is set
 *   to null (`providers: {matrix-provider: {signing_key: null}}`);
 * - `events` are appended to the seed's events;
 * - `base: empty` starts from nothing instead of the seed.
 */

const USER_TYPES = ['internal', 'external', 'service_account', 'internal_service_account'] as const;
const DESIGNATIONS = [
  'authentication',
  'authorization',
  'invalidation',
  'enrollment',
  'unenrollment',
  'recovery',
  'stage_configuration',
] as const;
const AUTHENTICATION = [
  'none',
  'require_authenticated',
  'require_unauthenticated',
  'require_superuser',
  'require_redirect',
  'require_outpost',
  'require_token',
] as const;
const LAYOUTS = [
  'stacked',
  'content_left',
  'content_right',
  'sidebar_left',
  'sidebar_right',
  'sidebar_left_frame_background',
  'sidebar_right_frame_background',
] as const;
const ENGINE_MODES = ['all', 'any'] as const;
const PROMPT_TYPES = [
  'text',
  'text_area',
  'text_read_only',
  'text_area_read_only',
  'username',
  'email',
  'password',
  'number',
  'checkbox',
  'radio-button-group',
  'dropdown',
  'date',
  'date-time',
  'file',
  'separator',
  'hidden',
  'static',
  'alert_info',
  'alert_warning',
  'alert_danger',
  'ak-locale',
] as const;
export const GRANT_TYPES = [
  'authorization_code',
  'implicit',
  'hybrid',
  'refresh_token',
  'client_credentials',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
] as const;
export const BACKENDS = [
  'authentik.core.auth.InbuiltBackend',
  'authentik.core.auth.TokenBackend',
  'authentik.sources.ldap.auth.LDAPBackend',
  'authentik.sources.kerberos.auth.KerberosBackend',
] as const;

export const ENUMS = {
  userType: USER_TYPES,
  designation: DESIGNATIONS,
  authentication: AUTHENTICATION,
  layout: LAYOUTS,
  engineMode: ENGINE_MODES,
  deniedAction: ['message_continue', 'message', 'continue'] as const,
  invalidResponseAction: ['retry', 'restart', 'restart_with_context'] as const,
  promptType: PROMPT_TYPES,
  userFields: ['email', 'username', 'upn'] as const,
  userCreationMode: ['never_create', 'create_when_required', 'always_create'] as const,
  networkBinding: ['no_binding', 'bind_asn', 'bind_asn_network', 'bind_asn_network_ip'] as const,
  geoipBinding: [
    'no_binding',
    'bind_continent',
    'bind_continent_country',
    'bind_continent_country_city',
  ] as const,
  consentMode: ['always_require', 'permanent', 'expiring'] as const,
  clientType: ['confidential', 'public'] as const,
  matchingMode: ['strict', 'regex'] as const,
  redirectUriType: ['authorization', 'logout'] as const,
  logoutMethod: ['backchannel', 'frontchannel'] as const,
  subMode: ['hashed_user_id', 'user_id', 'user_uuid', 'user_username', 'user_email', 'user_upn'] as const,
  issuerMode: ['global', 'per_provider'] as const,
  grantTypes: GRANT_TYPES,
  backends: BACKENDS,
};

const json = z.record(z.string(), z.unknown());
const ref = z.string().min(1);
const nullableRef = ref.nullable().default(null);

/** A policy binding, as written under an application, a flow or a flow's stage binding. */
export const PolicyBindingSchema = z
  .object({
    group: ref.optional(),
    user: ref.optional(),
    policy: ref.optional(),
    negate: z.boolean().default(false),
    enabled: z.boolean().default(true),
    order: z.number().int().optional(),
    timeout: z.number().int().nonnegative().default(30),
    failure_result: z.boolean().default(false),
  })
  .strict()
  .refine((b) => [b.group, b.user, b.policy].filter((x) => x !== undefined).length === 1, {
    message: 'a policy binding names exactly one of group, user or policy',
  });

export const UserSchema = z
  .object({
    pk: z.number().int().positive().optional(),
    uuid: z.uuid().optional(),
    name: z.string().default(''),
    email: z.string().default(''),
    is_active: z.boolean().default(true),
    groups: z.array(ref).default([]),
    /** sandbox password (plain text, sandbox-only); null = no usable password */
    password: z.string().nullable().default(null),
    type: z.enum(USER_TYPES).default('internal'),
    path: z.string().default('users'),
    attributes: json.default({}),
    date_joined: z.string().optional(),
    last_login: z.string().nullable().default(null),
  })
  .strict();

export const GroupSchema = z
  .object({
    is_superuser: z.boolean().default(false),
    parents: z.array(ref).default([]),
    attributes: json.default({}),
  })
  .strict();

const FlowStageRefSchema = z.union([
  ref,
  z
    .object({
      stage: ref,
      order: z.number().int().optional(),
      evaluate_on_plan: z.boolean().default(false),
      re_evaluate_policies: z.boolean().default(true),
      invalid_response_action: z.enum(ENUMS.invalidResponseAction).default('retry'),
      policy_engine_mode: z.enum(ENGINE_MODES).default('any'),
      policies: z.array(PolicyBindingSchema).default([]),
    })
    .strict(),
]);

export const FlowSchema = z
  .object({
    name: z.string().optional(),
    title: z.string().optional(),
    designation: z.enum(DESIGNATIONS),
    authentication: z.enum(AUTHENTICATION).default('none'),
    policy_engine_mode: z.enum(ENGINE_MODES).default('any'),
    denied_action: z.enum(ENUMS.deniedAction).default('message_continue'),
    layout: z.enum(LAYOUTS).default('stacked'),
    compatibility_mode: z.boolean().default(false),
    background: z.string().default(''),
    /** stages bound in order; a bare name gets order 10, 20, 30, ... by position */
    stages: z.array(FlowStageRefSchema).default([]),
    /** policies bound to the flow itself (decide whether the flow applies to the user) */
    policies: z.array(PolicyBindingSchema).default([]),
  })
  .strict();

const stage = <L extends string, T extends z.ZodRawShape>(type: L, shape: T) =>
  z.object({ type: z.literal(type), ...shape }).strict();

export const StageSchema = z.discriminatedUnion('type', [
  stage('identification', {
    user_fields: z.array(z.enum(ENUMS.userFields)).default(['email', 'username']),
    password_stage: nullableRef,
    captcha_stage: z.null().default(null),
    case_insensitive_matching: z.boolean().default(true),
    show_matched_user: z.boolean().default(true),
    enrollment_flow: nullableRef,
    recovery_flow: nullableRef,
    passwordless_flow: nullableRef,
    sources: z.array(z.string()).default([]),
    show_source_labels: z.boolean().default(false),
    pretend_user_exists: z.boolean().default(true),
    enable_remember_me: z.boolean().default(false),
    webauthn_stage: z.null().default(null),
  }),
  stage('password', {
    backends: z.array(z.enum(BACKENDS)).default([BACKENDS[0], BACKENDS[1]]),
    configure_flow: nullableRef,
    failed_attempts_before_cancel: z.number().int().default(5),
    allow_show_password: z.boolean().default(false),
  }),
  stage('prompt', {
    fields: z.array(ref).default([]),
    validation_policies: z.array(ref).default([]),
  }),
  stage('user_write', {
    user_creation_mode: z.enum(ENUMS.userCreationMode).default('create_when_required'),
    create_users_as_inactive: z.boolean().default(false),
    create_users_group: nullableRef,
    user_type: z.enum(USER_TYPES).default('external'),
    user_path_template: z.string().default(''),
  }),
  stage('user_login', {
    session_duration: z.string().default('seconds=0'),
    terminate_other_sessions: z.boolean().default(false),
    remember_me_offset: z.string().default('seconds=0'),
    network_binding: z.enum(ENUMS.networkBinding).default('no_binding'),
    geoip_binding: z.enum(ENUMS.geoipBinding).default('no_binding'),
    remember_device: z.string().default('days=30'),
  }),
  stage('user_logout', {}),
  stage('email', {
    use_global_settings: z.boolean().default(false),
    host: z.string().default('localhost'),
    port: z.number().int().default(25),
    username: z.string().default(''),
    use_tls: z.boolean().default(false),
    use_ssl: z.boolean().default(false),
    timeout: z.number().int().default(10),
    from_address: z.string().default('system@authentik.local'),
    token_expiry: z.string().default('minutes=30'),
    subject: z.string().default('authentik'),
    template: z.string().default('email/password_reset.html'),
    activate_user_on_success: z.boolean().default(false),
    recovery_max_attempts: z.number().int().nonnegative().default(5),
    recovery_cache_timeout: z.string().default('minutes=5'),
  }),
  stage('invitation', {
    continue_flow_without_invitation: z.boolean().default(false),
  }),
  stage('consent', {
    mode: z.enum(ENUMS.consentMode).default('always_require'),
    consent_expire_in: z.string().default('weeks=4'),
  }),
]);

export const PromptSchema = z
  .object({
    field_key: z.string().min(1),
    label: z.string(),
    type: z.enum(PROMPT_TYPES),
    required: z.boolean().default(true),
    placeholder: z.string().default(''),
    initial_value: z.string().default(''),
    order: z.number().int().default(0),
    sub_text: z.string().default(''),
    placeholder_expression: z.boolean().default(false),
    initial_value_expression: z.boolean().default(false),
  })
  .strict();

export const ScopeMappingSchema = z
  .object({
    managed: z.string().nullable().default(null),
    scope_name: z.string().min(1),
    /** the Python expression, served verbatim by the API and interpreted by the emulator */
    expression: z.string().default('return {}'),
    description: z.string().default(''),
    /**
     * Emulator-only: claims this mapping returns, when its expression is beyond the emulator's
     * small interpreter. Values: literals, or `$user.<field>`, `$user.attributes.<key>`,
     * `$groups` (names of the user's groups).
     */
    claims: json.optional(),
  })
  .strict();

export const CertificateSchema = z
  .object({
    key_type: z.enum(['rsa', 'ec']).default('rsa'),
    /** EC only */
    curve: z.enum(['P-256', 'P-384', 'P-521']).default('P-256'),
    managed: z.string().nullable().default(null),
    /** subject CN; defaults to the key pair's name */
    common_name: z.string().optional(),
  })
  .strict();

const RedirectUriSchema = z.union([
  z.string().transform((url) => ({
    matching_mode: 'strict' as const,
    url,
    redirect_uri_type: 'authorization' as const,
  })),
  z
    .object({
      matching_mode: z.enum(ENUMS.matchingMode),
      url: z.string(),
      redirect_uri_type: z.enum(ENUMS.redirectUriType).default('authorization'),
    })
    .strict(),
]);

export const ProviderSchema = z
  .object({
    pk: z.number().int().positive().optional(),
    authentication_flow: nullableRef,
    authorization_flow: ref,
    invalidation_flow: ref,
    /** scope mappings by name or managed id */
    property_mappings: z.array(ref).default([]),
    client_type: z.enum(ENUMS.clientType).default('confidential'),
    grant_types: z.array(z.enum(GRANT_TYPES)).default(['authorization_code', 'refresh_token']),
    client_id: z.string().max(255).optional(),
    client_secret: z.string().max(255).optional(),
    access_code_validity: z.string().default('minutes=1'),
    access_token_validity: z.string().default('hours=1'),
    refresh_token_validity: z.string().default('days=30'),
    refresh_token_threshold: z.string().default('seconds=0'),
    include_claims_in_id_token: z.boolean().default(true),
    /** certificate key pair name, or null: tokens are then HS256-signed with the client secret */
    signing_key: nullableRef,
    encryption_key: nullableRef,
    redirect_uris: z.array(RedirectUriSchema).default([]),
    logout_uri: z.string().default(''),
    logout_method: z.enum(ENUMS.logoutMethod).default('backchannel'),
    sub_mode: z.enum(ENUMS.subMode).default('hashed_user_id'),
    issuer_mode: z.enum(ENUMS.issuerMode).default('per_provider'),
  })
  .strict();

export const ApplicationSchema = z
  .object({
    name: z.string().optional(),
    provider: nullableRef,
    policy_engine_mode: z.enum(ENGINE_MODES).default('any'),
    open_in_new_tab: z.boolean().default(false),
    meta_launch_url: z.string().default(''),
    meta_icon: z.string().default(''),
    meta_description: z.string().default(''),
    meta_publisher: z.string().default(''),
    group: z.string().default(''),
    meta_hide: z.boolean().default(false),
    /** policy bindings deciding who may use the application (none: everyone) */
    policies: z.array(PolicyBindingSchema).default([]),
  })
  .strict();

export const PolicySchema = z
  .object({
    expression: z.string().default('return True'),
    /**
     * Emulator-only: the result of the expression. Without it the emulator interprets
     * `return True|False` and `ak_message("...")`; anything else needs `result`.
     */
    result: z.boolean().optional(),
    message: z.string().optional(),
    execution_logging: z.boolean().default(false),
  })
  .strict();

export const BrandSchema = z
  .object({
    default: z.boolean().default(false),
    branding_title: z.string().default('authentik'),
    branding_logo: z.string().default('/static/dist/assets/icons/icon_left_brand.svg'),
    branding_favicon: z.string().default('/static/dist/assets/icons/icon.png'),
    flow_authentication: nullableRef,
    flow_invalidation: nullableRef,
    flow_recovery: nullableRef,
    flow_unenrollment: nullableRef,
    flow_user_settings: nullableRef,
    flow_device_code: nullableRef,
    default_application: nullableRef,
    attributes: json.default({}),
  })
  .strict();

export const InvitationSchema = z
  .object({
    /** the invitation token (`?itoken=`); defaults to a stable UUID derived from the name */
    pk: z.uuid().optional(),
    flow: nullableRef,
    single_use: z.boolean().default(false),
    fixed_data: json.default({}),
    expires: z.string().nullable().default(null),
    created_by: ref.default('akadmin'),
  })
  .strict();

export const EventSchema = z
  .object({
    action: z.string().min(1),
    /** the user the event is about; AnonymousUser when omitted */
    username: z.string().optional(),
    app: z.string().optional(),
    context: json.default({}),
    client_ip: z.string().nullable().default('127.0.0.1'),
    created: z.string().optional(),
  })
  .strict();

const collection = <T extends z.ZodType>(schema: T) => z.record(z.string().min(1), schema).default({});

/** The section after merging, with every default filled in. */
export const ResolvedSectionSchema = z
  .object({
    version: z.string().default('2026.8.3'),
    /** Authentik's install id; `sub` (hashed_user_id) is sha256("<user pk>-<install id>") */
    install_id: z.uuid().default('7f4b2b8c-5a1e-4c65-9a0b-2f0c7d1e9a11'),
    api_token: z.string().min(1).default('ssochain-sandbox-authentik-api-token'),
    /** the user the API token belongs to */
    api_token_user: ref.default('akadmin'),
    users: collection(UserSchema),
    groups: collection(GroupSchema),
    flows: collection(FlowSchema),
    stages: collection(StageSchema),
    prompts: collection(PromptSchema),
    property_mappings: collection(ScopeMappingSchema),
    certificates: collection(CertificateSchema),
    providers: collection(ProviderSchema),
    applications: collection(ApplicationSchema),
    policies: collection(PolicySchema),
    brands: collection(BrandSchema),
    invitations: collection(InvitationSchema),
    events: z.array(EventSchema).default([]),
  })
  .strict();

export type AuthentikSection = z.output<typeof ResolvedSectionSchema>;
export type AuthentikSectionInput = z.input<typeof ResolvedSectionSchema>;
export type UserSpec = z.output<typeof UserSchema>;
export type FlowSpec = z.output<typeof FlowSchema>;
export type StageSpec = z.output<typeof StageSchema>;
export type ProviderSpec = z.output<typeof ProviderSchema>;
export type PolicyBindingSpec = z.output<typeof PolicyBindingSchema>;
export type StageType = StageSpec['type'];

// ---------------------------------------------------------------------------------------------
// The seed: the Authentik side of shared/seed/DIAGNOSTIK-AUTHENTIK-FLOW.md
// ---------------------------------------------------------------------------------------------

export const SEED_CLIENT_ID = 'ssochain-sandbox-matrix';
export const SEED_CLIENT_SECRET = 'ssochain-sandbox-matrix-client-secret-not-for-production';
export const SEED_MAS_PROVIDER_ID = '01KQDJTR1ZVTG8JQ220F5BNBFZ';
export const SEED_PASSWORDS = { akadmin: 'akadmin-sandbox-password', boje: 'boje-sandbox-password' };

export const MANAGED = {
  openid: 'goauthentik.io/providers/oauth2/scope-openid',
  email: 'goauthentik.io/providers/oauth2/scope-email',
  profile: 'goauthentik.io/providers/oauth2/scope-profile',
  offline_access: 'goauthentik.io/providers/oauth2/scope-offline_access',
} as const;

export const SELF_SIGNED = 'authentik Self-signed Certificate';

export const SEED: AuthentikSectionInput = {
  users: {
    akadmin: {
      pk: 1,
      name: 'authentik Default Admin',
      email: 'akadmin@example.org',
      groups: ['authentik Admins'],
      password: SEED_PASSWORDS.akadmin,
      date_joined: '2026-04-30T09:12:03.000000Z',
      last_login: '2026-05-18T10:41:57.000000Z',
    },
    boje: {
      pk: 7,
      name: 'Boje',
      email: 'boje@example.org',
      password: SEED_PASSWORDS.boje,
      type: 'external',
      date_joined: '2026-05-17T19:02:11.000000Z',
      last_login: '2026-05-17T19:02:12.000000Z',
    },
  },
  groups: { 'authentik Admins': { is_superuser: true } },
  flows: {
    'default-authentication-flow': {
      name: 'Welcome to authentik!',
      title: 'Welcome to authentik!',
      designation: 'authentication',
      stages: [
        { stage: 'default-authentication-identification', order: 10 },
        { stage: 'default-authentication-password', order: 20 },
        { stage: 'default-authentication-login', order: 100 },
      ],
    },
    'default-invalidation-flow': {
      name: 'Logout',
      title: 'Default Invalidation Flow',
      designation: 'invalidation',
      stages: [{ stage: 'default-invalidation-logout', order: 0 }],
    },
    'default-provider-authorization-implicit-consent': {
      name: 'Authorize Application',
      title: 'Redirecting to %(app)s',
      designation: 'authorization',
      authentication: 'require_authenticated',
    },
    'default-provider-authorization-explicit-consent': {
      name: 'Authorize Application',
      title: 'Redirecting to %(app)s',
      designation: 'authorization',
      authentication: 'require_authenticated',
      stages: [{ stage: 'default-provider-authorization-consent', order: 0 }],
    },
    'default-provider-invalidation-flow': {
      name: 'Logout',
      title: "You've logged out of %(app)s.",
      designation: 'invalidation',
    },
    'default-enrollment-flow': {
      name: 'Default enrollment Flow',
      title: 'Welcome to authentik!',
      designation: 'enrollment',
      authentication: 'require_unauthenticated',
      stages: [
        { stage: 'default-enrollment-prompt', order: 10 },
        { stage: 'default-enrollment-user-write', order: 20 },
        { stage: 'default-enrollment-user-login', order: 100 },
      ],
    },
  },
  stages: {
    'default-authentication-identification': {
      type: 'identification',
      user_fields: ['email', 'username'],
      enrollment_flow: 'default-enrollment-flow',
    },
    'default-authentication-password': {
      type: 'password',
      backends: [BACKENDS[0], BACKENDS[2], BACKENDS[1]],
    },
    'default-authentication-login': { type: 'user_login' },
    'default-invalidation-logout': { type: 'user_logout' },
    'default-provider-authorization-consent': { type: 'consent', mode: 'expiring' },
    'default-enrollment-prompt': {
      type: 'prompt',
      fields: [
        'default-enrollment-field-username',
        'default-enrollment-field-name',
        'default-enrollment-field-email',
        'default-enrollment-field-password',
      ],
    },
    'default-enrollment-user-write': { type: 'user_write', user_creation_mode: 'always_create' },
    'default-enrollment-user-login': { type: 'user_login' },
  },
  prompts: {
    'default-enrollment-field-username': {
      field_key: 'username',
      label: 'Username',
      type: 'username',
      placeholder: 'Username',
      order: 0,
    },
    'default-enrollment-field-name': {
      field_key: 'name',
      label: 'Name',
      type: 'text',
      placeholder: 'Name',
      order: 1,
    },
    'default-enrollment-field-email': {
      field_key: 'email',
      label: 'Email',
      type: 'email',
      placeholder: 'Email',
      order: 2,
    },
    'default-enrollment-field-password': {
      field_key: 'password',
      label: 'Password',
      type: 'password',
      placeholder: 'Password',
      order: 3,
    },
  },
  property_mappings: {
    "authentik default OAuth Mapping: OpenID 'openid'": {
      managed: MANAGED.openid,
      scope_name: 'openid',
      expression:
        '# This scope is required by the OpenID-spec, and must as such exist in authentik.\n' +
        '# The scope by itself does not grant any information\nreturn {}\n',
    },
    "authentik default OAuth Mapping: OpenID 'email'": {
      managed: MANAGED.email,
      scope_name: 'email',
      description: 'Email address',
      expression: 'return {\n    "email": request.user.email,\n    "email_verified": False\n}\n',
    },
    "authentik default OAuth Mapping: OpenID 'profile'": {
      managed: MANAGED.profile,
      scope_name: 'profile',
      description: 'General Profile Information',
      expression:
        'return {\n' +
        "    # Because authentik only saves the user's full name, and has no concept of first and last names,\n" +
        '    # the full name is used as given name.\n' +
        '    # You can override this behaviour in custom mappings, i.e. `request.user.name.split(" ")`\n' +
        '    "name": request.user.name,\n' +
        '    "given_name": request.user.name,\n' +
        '    "preferred_username": request.user.username,\n' +
        '    "nickname": request.user.username,\n' +
        '    # groups is not part of the official userinfo schema, but is a quasi-standard\n' +
        '    "groups": [group.name for group in request.user.ak_groups.all()],\n' +
        '}\n',
    },
    "authentik default OAuth Mapping: OpenID 'offline_access'": {
      managed: MANAGED.offline_access,
      scope_name: 'offline_access',
      description: 'Access to request new tokens without interaction',
      expression:
        '# This scope grants the application a refresh token that can be used to refresh user data\n' +
        '# and let the application access authentik without the users interaction\nreturn {}\n',
    },
  },
  certificates: {
    [SELF_SIGNED]: { key_type: 'rsa', managed: 'goauthentik.io/crypto/jwt-managed' },
  },
  providers: {
    'matrix-provider': {
      pk: 1,
      authorization_flow: 'default-provider-authorization-implicit-consent',
      invalidation_flow: 'default-provider-invalidation-flow',
      property_mappings: [MANAGED.openid, MANAGED.email, MANAGED.profile, MANAGED.offline_access],
      client_type: 'confidential',
      client_id: SEED_CLIENT_ID,
      client_secret: SEED_CLIENT_SECRET,
      signing_key: SELF_SIGNED,
      redirect_uris: [
        { matching_mode: 'strict', url: `\${MAS_URL}/upstream/callback/${SEED_MAS_PROVIDER_ID}` },
      ],
    },
  },
  applications: {
    matrix: { name: 'Matrix', provider: 'matrix-provider' },
  },
  brands: {
    'authentik-default': {
      default: true,
      flow_authentication: 'default-authentication-flow',
      flow_invalidation: 'default-invalidation-flow',
    },
  },
  events: [
    {
      action: 'model_created',
      app: 'authentik.events.middleware',
      context: {
        model: { pk: 7, app: 'authentik_core', name: 'boje', model_name: 'user' },
        http_request: {
          args: { query: '' },
          path: '/api/v3/flows/executor/default-enrollment-flow/',
          method: 'GET',
        },
      },
      created: '2026-05-17T19:02:11.000000Z',
    },
    {
      action: 'user_write',
      username: 'boje',
      context: {
        name: 'Boje',
        email: 'boje@example.org',
        created: true,
        username: 'boje',
        password: '********************',
        attributes: {},
        http_request: {
          args: { query: '' },
          path: '/api/v3/flows/executor/default-enrollment-flow/',
          method: 'GET',
        },
      },
      created: '2026-05-17T19:02:11.500000Z',
    },
    {
      action: 'login',
      username: 'boje',
      context: {
        auth_method: 'password',
        auth_method_args: {},
        http_request: {
          args: { query: '' },
          path: '/api/v3/flows/executor/default-enrollment-flow/',
          method: 'GET',
        },
      },
      created: '2026-05-17T19:02:12.000000Z',
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Override layer and merge
// ---------------------------------------------------------------------------------------------

const partial = json.nullable();
const overrideCollection = z.record(z.string().min(1), partial).optional();

export const AuthentikOverrideSchema = z
  .object({
    base: z.enum(['seed', 'empty']).default('seed'),
    version: z.string().optional(),
    install_id: z.string().optional(),
    api_token: z.string().optional(),
    api_token_user: z.string().optional(),
    users: overrideCollection,
    groups: overrideCollection,
    flows: overrideCollection,
    stages: overrideCollection,
    prompts: overrideCollection,
    property_mappings: overrideCollection,
    certificates: overrideCollection,
    providers: overrideCollection,
    applications: overrideCollection,
    policies: overrideCollection,
    brands: overrideCollection,
    invitations: overrideCollection,
    events: z.array(json).optional(),
  })
  .strict();

export const COLLECTIONS = [
  'users',
  'groups',
  'flows',
  'stages',
  'prompts',
  'property_mappings',
  'certificates',
  'providers',
  'applications',
  'policies',
  'brands',
  'invitations',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge recursively, arrays and scalars replace, `null` sets null. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
    return out;
  }
  return structuredClone(over);
}

export function mergeSection(override: z.output<typeof AuthentikOverrideSchema>): Record<string, unknown> {
  const base: Record<string, unknown> = override.base === 'seed' ? structuredClone(SEED) : {};
  const out: Record<string, unknown> = { ...base };
  for (const key of ['version', 'install_id', 'api_token', 'api_token_user'] as const) {
    if (override[key] !== undefined) out[key] = override[key];
  }
  for (const name of COLLECTIONS) {
    const over = override[name];
    if (!over) continue;
    const merged: Record<string, unknown> = { ...((base[name] as Record<string, unknown>) ?? {}) };
    for (const [key, value] of Object.entries(over)) {
      if (value === null) delete merged[key];
      else merged[key] = key in merged ? deepMerge(merged[key], value) : value;
    }
    out[name] = merged;
  }
  if (override.events) out.events = [...((base.events as unknown[]) ?? []), ...override.events];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference checks
// ---------------------------------------------------------------------------------------------

const SINGULAR: Record<CollectionName, string> = {
  users: 'user',
  groups: 'group',
  flows: 'flow',
  stages: 'stage',
  prompts: 'prompt',
  property_mappings: 'property mapping',
  certificates: 'certificate',
  providers: 'provider',
  applications: 'application',
  policies: 'policy',
  brands: 'brand',
  invitations: 'invitation',
};

function checkReferences(s: AuthentikSection, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const need = (kind: CollectionName, name: string | null | undefined, path: (string | number)[]) => {
    if (name === null || name === undefined) return;
    if (!(name in s[kind])) issue(path, `unknown ${SINGULAR[kind]} '${name}'`);
  };
  const mappingNames = new Set(
    Object.entries(s.property_mappings).flatMap(([n, m]) => (m.managed ? [n, m.managed] : [n])),
  );
  const bindings = (list: PolicyBindingSpec[], path: (string | number)[]) =>
    list.forEach((b, i) => {
      need('groups', b.group, [...path, i, 'group']);
      need('users', b.user, [...path, i, 'user']);
      need('policies', b.policy, [...path, i, 'policy']);
    });
  for (const [name, u] of Object.entries(s.users)) {
    if (!/^[\w.@+-]+$/.test(name)) issue(['users', name], 'usernames use letters, digits and @/./+/-/_ only');
    u.groups.forEach((g, i) => need('groups', g, ['users', name, 'groups', i]));
  }
  for (const [name, g] of Object.entries(s.groups))
    g.parents.forEach((p, i) => need('groups', p, ['groups', name, 'parents', i]));
  for (const [slug, f] of Object.entries(s.flows)) {
    if (!/^[-a-zA-Z0-9_]+$/.test(slug))
      issue(['flows', slug], 'flow slugs use letters, digits, - and _ only');
    f.stages.forEach((st, i) => {
      const stageName = typeof st === 'string' ? st : st.stage;
      need('stages', stageName, ['flows', slug, 'stages', i]);
      if (typeof st !== 'string') bindings(st.policies, ['flows', slug, 'stages', i, 'policies']);
    });
    bindings(f.policies, ['flows', slug, 'policies']);
  }
  for (const [name, st] of Object.entries(s.stages)) {
    const p = ['stages', name];
    if (st.type === 'identification') {
      need('stages', st.password_stage, [...p, 'password_stage']);
      need('flows', st.enrollment_flow, [...p, 'enrollment_flow']);
      need('flows', st.recovery_flow, [...p, 'recovery_flow']);
      need('flows', st.passwordless_flow, [...p, 'passwordless_flow']);
      if (st.password_stage && s.stages[st.password_stage]?.type !== 'password')
        issue([...p, 'password_stage'], `'${st.password_stage}' is not a password stage`);
    }
    if (st.type === 'password') need('flows', st.configure_flow, [...p, 'configure_flow']);
    if (st.type === 'prompt') {
      st.fields.forEach((f, i) => need('prompts', f, [...p, 'fields', i]));
      st.validation_policies.forEach((f, i) => need('policies', f, [...p, 'validation_policies', i]));
    }
    if (st.type === 'user_write') need('groups', st.create_users_group, [...p, 'create_users_group']);
  }
  for (const [name, pr] of Object.entries(s.providers)) {
    const p = ['providers', name];
    need('flows', pr.authentication_flow, [...p, 'authentication_flow']);
    need('flows', pr.authorization_flow, [...p, 'authorization_flow']);
    need('flows', pr.invalidation_flow, [...p, 'invalidation_flow']);
    need('certificates', pr.signing_key, [...p, 'signing_key']);
    need('certificates', pr.encryption_key, [...p, 'encryption_key']);
    pr.property_mappings.forEach((m, i) => {
      if (!mappingNames.has(m)) issue([...p, 'property_mappings', i], `unknown property mapping '${m}'`);
    });
  }
  const usedProviders = new Map<string, string>();
  for (const [slug, a] of Object.entries(s.applications)) {
    if (!/^[-a-zA-Z0-9_]+$/.test(slug))
      issue(['applications', slug], 'application slugs use letters, digits, - and _');
    need('providers', a.provider, ['applications', slug, 'provider']);
    if (a.provider) {
      const other = usedProviders.get(a.provider);
      if (other)
        issue(['applications', slug, 'provider'], `provider '${a.provider}' is already used by '${other}'`);
      usedProviders.set(a.provider, slug);
    }
    bindings(a.policies, ['applications', slug, 'policies']);
  }
  for (const [domain, b] of Object.entries(s.brands)) {
    for (const key of [
      'flow_authentication',
      'flow_invalidation',
      'flow_recovery',
      'flow_unenrollment',
      'flow_user_settings',
      'flow_device_code',
    ] as const)
      need('flows', b[key], ['brands', domain, key]);
    need('applications', b.default_application, ['brands', domain, 'default_application']);
  }
  for (const [name, inv] of Object.entries(s.invitations)) {
    need('flows', inv.flow, ['invitations', name, 'flow']);
    need('users', inv.created_by, ['invitations', name, 'created_by']);
  }
  need('users', s.api_token_user, ['api_token_user']);
  s.events.forEach((e, i) => {
    if (e.username && e.username !== 'AnonymousUser') need('users', e.username, ['events', i, 'username']);
  });
}

/** The emulator's section schema: the override, merged over the seed, then fully validated. */
export const AuthentikSectionSchema: z.ZodType<AuthentikSection> = AuthentikOverrideSchema.default({
  base: 'seed',
})
  .transform(mergeSection)
  .pipe(ResolvedSectionSchema.superRefine(checkReferences));

/** Parses a section (e.g. from a test) and throws with every issue on failure. */
export function resolveSection(input: unknown = {}): AuthentikSection {
  return AuthentikSectionSchema.parse(input);
}
