import { json, type Router } from '../../http/server.js';
import type { Ak } from '../context.js';
import {
  STAGE_META,
  type BindingRec,
  type FlowRec,
  type InvitationRec,
  type PromptRec,
  type StageRec,
} from '../model.js';
import { ENUMS, StageSchema, type StageType } from '../scenario.js';
import * as S from '../serialize.js';
import { assignFields, ValidationFailed, validateOrThrow, type FieldSpec } from '../validate.js';
import { byUuid, eq, order, paginate, route, search, SLUG, SLUG_MESSAGE } from './common.js';
import { uniqueError } from './core.js';
import type { Resource } from './resource.js';

// --- flows -----------------------------------------------------------------------------------

export function flowsResource(ak: Ak): Resource<FlowRec> {
  const { store } = ak;
  const fields: Record<string, FieldSpec> = {
    name: { kind: 'string', required: true },
    slug: { kind: 'string', required: true, pattern: SLUG, patternMessage: SLUG_MESSAGE },
    title: { kind: 'string', required: true },
    designation: { kind: 'choice', choices: ENUMS.designation, required: true },
    background: { kind: 'string', allowBlank: true },
    policy_engine_mode: { kind: 'choice', choices: ENUMS.engineMode },
    compatibility_mode: { kind: 'bool' },
    layout: { kind: 'choice', choices: ENUMS.layout },
    denied_action: { kind: 'choice', choices: ENUMS.deniedAction },
    authentication: { kind: 'choice', choices: ENUMS.authentication },
  };
  const apply = (f: FlowRec, v: Record<string, unknown>) => {
    if (
      v.slug !== undefined &&
      Object.values(store.data.flows).some((o) => o.slug === v.slug && o.pk !== f.pk)
    )
      uniqueError('slug', 'Flow with this slug already exists.');
    return assignFields(f, v, Object.keys(fields));
  };
  return {
    path: '/flows/instances/',
    param: 'slug',
    model: 'Flow',
    blueprintModel: 'authentik_flows.flow',
    eventModel: { app: 'authentik_flows', model_name: 'flow' },
    all: () => Object.values(store.data.flows),
    find: (slug) => store.flowBySlug(slug),
    show: (f) => S.flow(store, f),
    key: (f) => f.pk,
    label: (f) => `Flow ${f.name} (${f.slug})`,
    ordering: 'slug',
    searchFields: (f) => [f.name, f.slug, f.designation, f.title],
    filters: {
      designation: eq((f) => f.designation),
      slug: eq((f) => f.slug),
      name: eq((f) => f.name),
      denied_action: eq((f) => f.denied_action),
      flow_uuid: (f, [v]) => f.pk === v!.toLowerCase(),
    },
    create(body) {
      const v = validateOrThrow(body, fields, false);
      const f: FlowRec = {
        pk: store.newUuid(),
        slug: '',
        name: '',
        title: '',
        designation: 'authentication',
        authentication: 'none',
        policy_engine_mode: 'any',
        denied_action: 'message_continue',
        layout: 'stacked',
        compatibility_mode: false,
        background: '',
      };
      apply(f, v);
      store.data.flows[f.pk] = f;
      return f;
    },
    update(f, body, partial) {
      return apply(f, validateOrThrow(body, fields, partial));
    },
    destroy(f) {
      deleteFlow(ak, f.pk);
    },
  };
}

/** Django's on_delete semantics for a flow: bindings and providers cascade, other links are nulled. */
export function deleteFlow(ak: Ak, pk: string): void {
  const d = ak.store.data;
  delete d.flows[pk];
  for (const b of Object.values(d.bindings)) if (b.target === pk) delete d.bindings[b.pk];
  for (const b of Object.values(d.policyBindings)) if (b.target === pk) delete d.policyBindings[b.pk];
  for (const p of Object.values(d.providers)) {
    if (p.authorization_flow === pk || p.invalidation_flow === pk) delete d.providers[p.pk];
    else if (p.authentication_flow === pk) p.authentication_flow = null;
  }
  for (const a of Object.values(d.applications))
    if (a.provider !== null && !d.providers[a.provider]) a.provider = null;
  for (const s of Object.values(d.stages))
    for (const [k, v] of Object.entries(s.settings)) if (v === pk) s.settings[k] = null;
  for (const b of Object.values(d.brands))
    for (const k of Object.keys(b) as (keyof typeof b)[])
      if (b[k] === pk) (b as unknown as Record<string, unknown>)[k] = null;
  for (const i of Object.values(d.invitations)) if (i.flow === pk) delete d.invitations[i.pk];
}

// --- bindings --------------------------------------------------------------------------------

export function bindingsResource(ak: Ak): Resource<BindingRec> {
  const { store } = ak;
  const fields = (): Record<string, FieldSpec> => ({
    target: { kind: 'uuid-ref', required: true, exists: (pk) => pk in store.data.flows },
    stage: { kind: 'uuid-ref', required: true, exists: (pk) => pk in store.data.stages },
    evaluate_on_plan: { kind: 'bool' },
    re_evaluate_policies: { kind: 'bool' },
    order: { kind: 'int', required: true },
    policy_engine_mode: { kind: 'choice', choices: ENUMS.engineMode },
    invalid_response_action: { kind: 'choice', choices: ENUMS.invalidResponseAction },
  });
  const apply = (b: BindingRec, v: Record<string, unknown>) => {
    const next = { ...b, ...v };
    if (
      Object.values(store.data.bindings).some(
        (o) => o.pk !== b.pk && o.target === next.target && o.stage === next.stage && o.order === next.order,
      )
    )
      throw new ValidationFailed({
        non_field_errors: ['The fields target, stage, order must make a unique set.'],
      });
    Object.assign(b, v);
    return b;
  };
  return {
    path: '/flows/bindings/',
    param: 'fsb_uuid',
    model: 'FlowStageBinding',
    blueprintModel: 'authentik_flows.flowstagebinding',
    eventModel: { app: 'authentik_flows', model_name: 'flowstagebinding' },
    all: () => Object.values(store.data.bindings),
    find: (id) => byUuid(store.data.bindings, id),
    show: (b) => S.binding(store, b),
    key: (b) => b.pk,
    label: (b) => `Flow-stage binding #${b.order} to ${store.data.flows[b.target]?.slug ?? '?'}`,
    ordering: 'order',
    searchFields: (b) => [store.data.flows[b.target]?.slug, store.data.stages[b.stage]?.name],
    filters: {
      target: eq((b) => b.target),
      stage: eq((b) => b.stage),
      order: eq((b) => b.order),
      evaluate_on_plan: eq((b) => b.evaluate_on_plan),
      re_evaluate_policies: eq((b) => b.re_evaluate_policies),
      invalid_response_action: eq((b) => b.invalid_response_action),
      policy_engine_mode: eq((b) => b.policy_engine_mode),
      fsb_uuid: eq((b) => b.pk),
      pbm_uuid: eq((b) => b.pk),
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const b: BindingRec = {
        pk: store.newUuid(),
        target: '',
        stage: '',
        order: 0,
        evaluate_on_plan: false,
        re_evaluate_policies: true,
        policy_engine_mode: 'any',
        invalid_response_action: 'retry',
      };
      apply(b, v);
      store.data.bindings[b.pk] = b;
      return b;
    },
    update(b, body, partial) {
      return apply(b, validateOrThrow(body, fields(), partial));
    },
    destroy(b) {
      delete store.data.bindings[b.pk];
      for (const p of Object.values(store.data.policyBindings))
        if (p.target === b.pk) delete store.data.policyBindings[p.pk];
    },
  };
}

// --- stages ----------------------------------------------------------------------------------

const STAGE_PATHS: Record<StageType, { path: string; model: string }> = {
  identification: { path: '/stages/identification/', model: 'IdentificationStage' },
  password: { path: '/stages/password/', model: 'PasswordStage' },
  prompt: { path: '/stages/prompt/stages/', model: 'PromptStage' },
  user_write: { path: '/stages/user_write/', model: 'UserWriteStage' },
  user_login: { path: '/stages/user_login/', model: 'UserLoginStage' },
  user_logout: { path: '/stages/user_logout/', model: 'UserLogoutStage' },
  email: { path: '/stages/email/', model: 'EmailStage' },
  invitation: { path: '/stages/invitation/stages/', model: 'InvitationStage' },
  consent: { path: '/stages/consent/', model: 'ConsentStage' },
};

function stageFields(ak: Ak, type: StageType): Record<string, FieldSpec> {
  const d = ak.store.data;
  const flow: FieldSpec = { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in d.flows };
  const str: FieldSpec = { kind: 'string', allowBlank: true };
  const bool: FieldSpec = { kind: 'bool' };
  const int: FieldSpec = { kind: 'int' };
  const base: Record<string, FieldSpec> = { name: { kind: 'string', required: true } };
  switch (type) {
    case 'identification':
      return {
        ...base,
        user_fields: { kind: 'choice[]', choices: ENUMS.userFields },
        password_stage: {
          kind: 'uuid-ref',
          nullable: true,
          exists: (pk) => d.stages[pk]?.type === 'password',
        },
        captcha_stage: { kind: 'uuid-ref', nullable: true, exists: () => false },
        case_insensitive_matching: bool,
        show_matched_user: bool,
        enrollment_flow: flow,
        recovery_flow: flow,
        passwordless_flow: flow,
        sources: { kind: 'string[]' },
        show_source_labels: bool,
        pretend_user_exists: bool,
        enable_remember_me: bool,
        webauthn_stage: { kind: 'uuid-ref', nullable: true, exists: () => false },
      };
    case 'password':
      return {
        ...base,
        backends: { kind: 'choice[]', choices: ENUMS.backends, required: true },
        configure_flow: flow,
        failed_attempts_before_cancel: int,
        allow_show_password: bool,
      };
    case 'prompt':
      return {
        ...base,
        fields: { kind: 'uuid-ref[]', required: true, exists: (pk) => pk in d.prompts },
        validation_policies: { kind: 'uuid-ref[]', exists: (pk) => pk in d.policies },
      };
    case 'user_write':
      return {
        ...base,
        user_creation_mode: { kind: 'choice', choices: ENUMS.userCreationMode },
        create_users_as_inactive: bool,
        create_users_group: { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in d.groups },
        user_type: { kind: 'choice', choices: ENUMS.userType },
        user_path_template: str,
      };
    case 'user_login':
      return {
        ...base,
        session_duration: str,
        terminate_other_sessions: bool,
        remember_me_offset: str,
        network_binding: { kind: 'choice', choices: ENUMS.networkBinding },
        geoip_binding: { kind: 'choice', choices: ENUMS.geoipBinding },
        remember_device: str,
      };
    case 'user_logout':
      return base;
    case 'email':
      return {
        ...base,
        use_global_settings: bool,
        host: str,
        port: int,
        username: str,
        password: str,
        use_tls: bool,
        use_ssl: bool,
        timeout: int,
        from_address: str,
        token_expiry: str,
        subject: str,
        template: str,
        activate_user_on_success: bool,
        recovery_max_attempts: int,
        recovery_cache_timeout: str,
      };
    case 'invitation':
      return { ...base, continue_flow_without_invitation: bool };
    case 'consent':
      return {
        ...base,
        mode: { kind: 'choice', choices: ENUMS.consentMode },
        consent_expire_in: str,
      };
  }
}

export function stageResource(ak: Ak, type: StageType): Resource<StageRec> {
  const { store } = ak;
  const { path, model } = STAGE_PATHS[type];
  const meta = STAGE_META[type];
  const apply = (s: StageRec, v: Record<string, unknown>) => {
    if (
      v.name !== undefined &&
      Object.values(store.data.stages).some((o) => o.name === v.name && o.pk !== s.pk)
    )
      uniqueError('name', 'Stage with this name already exists.');
    for (const [k, x] of Object.entries(v)) {
      if (k === 'name') s.name = x as string;
      else s.settings[k] = x;
    }
    return s;
  };
  return {
    path,
    param: 'stage_uuid',
    model,
    blueprintModel: `${meta.app}.${meta.model}`,
    eventModel: { app: meta.app, model_name: meta.model },
    all: () => Object.values(store.data.stages).filter((s) => s.type === type),
    find: (id) => {
      const s = byUuid(store.data.stages, id);
      return s?.type === type ? s : undefined;
    },
    show: (s) => S.stage(store, s),
    key: (s) => s.pk,
    label: (s) => s.name,
    ordering: 'name',
    searchFields: (s) => [s.name],
    filters: {
      name: eq((s) => s.name),
      stage_uuid: eq((s) => s.pk),
      ...Object.fromEntries(
        Object.keys(stageFields(ak, type))
          .filter((k) => k !== 'name' && k !== 'password')
          .map((k) => [
            k,
            (s: StageRec, values: string[]) => {
              const actual = s.settings[k];
              return values.some((v) =>
                Array.isArray(actual) ? actual.includes(v) : eq(() => actual)(s, [v === 'null' ? '' : v]),
              );
            },
          ]),
      ),
    },
    create(body) {
      const v = validateOrThrow(body, stageFields(ak, type), false);
      const defaults = StageSchema.parse({ type }) as Record<string, unknown>;
      delete defaults.type;
      const s: StageRec = { pk: store.newUuid(), name: '', type, settings: defaults };
      apply(s, v);
      store.data.stages[s.pk] = s;
      return s;
    },
    update(s, body, partial) {
      return apply(s, validateOrThrow(body, stageFields(ak, type), partial));
    },
    destroy(s) {
      deleteStage(ak, s.pk);
    },
  };
}

export function deleteStage(ak: Ak, pk: string): void {
  const d = ak.store.data;
  delete d.stages[pk];
  for (const b of Object.values(d.bindings)) if (b.stage === pk) delete d.bindings[b.pk];
  for (const s of Object.values(d.stages))
    if (s.settings.password_stage === pk) s.settings.password_stage = null;
}

// --- prompts ---------------------------------------------------------------------------------

export function promptsResource(ak: Ak): Resource<PromptRec> {
  const { store } = ak;
  const fields: Record<string, FieldSpec> = {
    name: { kind: 'string', required: true },
    field_key: { kind: 'string', required: true },
    label: { kind: 'string', required: true },
    type: { kind: 'choice', choices: ENUMS.promptType, required: true },
    required: { kind: 'bool' },
    placeholder: { kind: 'string', allowBlank: true },
    initial_value: { kind: 'string', allowBlank: true },
    order: { kind: 'int' },
    sub_text: { kind: 'string', allowBlank: true },
    placeholder_expression: { kind: 'bool' },
    initial_value_expression: { kind: 'bool' },
  };
  const apply = (p: PromptRec, v: Record<string, unknown>) => {
    if (
      v.name !== undefined &&
      Object.values(store.data.prompts).some((o) => o.name === v.name && o.pk !== p.pk)
    )
      uniqueError('name', 'Prompt with this name already exists.');
    Object.assign(p, v);
    return p;
  };
  return {
    path: '/stages/prompt/prompts/',
    param: 'prompt_uuid',
    model: 'Prompt',
    blueprintModel: 'authentik_stages_prompt.prompt',
    eventModel: { app: 'authentik_stages_prompt', model_name: 'prompt' },
    all: () => Object.values(store.data.prompts),
    find: (id) => byUuid(store.data.prompts, id),
    show: (p) => S.prompt(store, p),
    key: (p) => p.pk,
    label: (p) => `Prompt field '${p.field_key}' type ${p.type}`,
    ordering: 'field_key',
    searchFields: (p) => [p.field_key, p.label, p.type, p.placeholder, p.name],
    filters: {
      field_key: eq((p) => p.field_key),
      label: eq((p) => p.label),
      type: eq((p) => p.type),
      placeholder: eq((p) => p.placeholder),
      name: eq((p) => p.name),
    },
    create(body) {
      const v = validateOrThrow(body, fields, false);
      const p: PromptRec = {
        pk: store.newUuid(),
        name: '',
        field_key: '',
        label: '',
        type: 'text',
        required: true,
        placeholder: '',
        initial_value: '',
        order: 0,
        sub_text: '',
        placeholder_expression: false,
        initial_value_expression: false,
      };
      apply(p, v);
      store.data.prompts[p.pk] = p;
      return p;
    },
    update(p, body, partial) {
      return apply(p, validateOrThrow(body, fields, partial));
    },
    destroy(p) {
      delete store.data.prompts[p.pk];
      for (const s of Object.values(store.data.stages))
        if (s.type === 'prompt')
          s.settings.fields = (s.settings.fields as string[]).filter((f) => f !== p.pk);
    },
  };
}

// --- invitations -----------------------------------------------------------------------------

export function invitationsResource(ak: Ak): Resource<InvitationRec> {
  const { store } = ak;
  const fields = (): Record<string, FieldSpec> => ({
    name: { kind: 'string', required: true, pattern: SLUG, patternMessage: SLUG_MESSAGE },
    expires: { kind: 'datetime', nullable: true },
    fixed_data: { kind: 'json' },
    single_use: { kind: 'bool' },
    flow: { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in store.data.flows },
  });
  return {
    path: '/stages/invitation/invitations/',
    param: 'invite_uuid',
    model: 'Invitation',
    blueprintModel: 'authentik_stages_invitation.invitation',
    eventModel: { app: 'authentik_stages_invitation', model_name: 'invitation' },
    all: () => Object.values(store.data.invitations),
    find: (id) => byUuid(store.data.invitations, id),
    show: (i) => S.invitation(store, i),
    key: (i) => i.pk,
    label: (i) => `Invite ${i.pk} created by ${store.data.users[i.created_by]?.username ?? '?'}`,
    ordering: 'expires',
    searchFields: (i) => [i.name, store.data.flows[i.flow ?? '']?.slug],
    filters: {
      name: eq((i) => i.name),
      flow__slug: eq((i) => (i.flow ? store.data.flows[i.flow]?.slug : '')),
      created_by__username: eq((i) => store.data.users[i.created_by]?.username),
      expires: eq((i) => i.expires),
    },
    create(body, user) {
      const v = validateOrThrow(body, fields(), false);
      const i: InvitationRec = {
        pk: store.newUuid(),
        name: '',
        expires: null,
        fixed_data: {},
        single_use: false,
        flow: null,
        created_by: user?.pk ?? 1,
        ...(v as Partial<InvitationRec>),
      };
      store.data.invitations[i.pk] = i;
      return i;
    },
    update(i, body, partial) {
      Object.assign(i, validateOrThrow(body, fields(), partial));
      return i;
    },
    destroy(i) {
      delete store.data.invitations[i.pk];
    },
  };
}

export function registerFlows(router: Router, ak: Ak): void {
  const { store } = ak;
  route(router, ak, 'GET', '/flows/instances/:slug/execute/', (ctx) => {
    const f = store.flowBySlug(ctx.params.slug!);
    if (!f) return json(404, { detail: 'No Flow matches the given query.' });
    return json(200, { link: `${ctx.origin}/if/flow/${f.slug}/` });
  });
  route(router, ak, 'GET', '/stages/all/', (ctx) => {
    const items = search(Object.values(store.data.stages), ctx.query.get('search'), (s) => [s.name]);
    return paginate(
      order(
        items.map((s) => S.stageBase(store, s)),
        ctx.query.get('ordering'),
        'name',
      ),
      ctx.query,
    );
  });
}

export const STAGE_TYPES = Object.keys(STAGE_PATHS) as StageType[];
