import {
  AdminApi,
  Configuration,
  CoreApi,
  CryptoApi,
  EventsApi,
  FlowsApi,
  ManagedApi,
  PoliciesApi,
  PropertymappingsApi,
  ProvidersApi,
  ResponseError,
  StagesApi,
  type FetchAPI,
  type Middleware,
} from '@goauthentik/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyMaterial } from '../../../src/sandbox/authentik/keys.js';
import { SEED_CLIENT_ID } from '../../../src/sandbox/authentik/index.js';
import { CALLBACK, startAuthentik, type Running } from './helpers.js';
import { operationFor, responseSchema, validate, validateResponse } from './openapi.js';

/**
 * Fidelity contract (DESIGN §6): every emulated API v3 endpoint is read through the official
 * `@goauthentik/api` client, and every response body — successes and errors — validates
 * against the component schema that the package's schema.yml declares for that operation
 * and status (objects may not carry undeclared properties). The last test checks that every
 * API route the emulator registers was exercised here.
 */

interface Captured {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

const captured: Captured[] = [];
const capture: Middleware = {
  async post({ init, url, response }) {
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    captured.push({ method: (init.method ?? 'GET').toUpperCase(), url, status: response.status, body });
    return response;
  },
};

/** fetch with a cookie jar that follows same-origin redirects itself (a headless browser) */
function jarFetch(): FetchAPI & { jar: Map<string, string> } {
  const jar = new Map<string, string>();
  const f = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = String(input);
    let req: RequestInit = { ...init };
    for (let i = 0; i < 10; i++) {
      const headers = new Headers(req.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const csrf = jar.get('authentik_csrf');
      if (csrf && req.method && req.method !== 'GET') headers.set('x-authentik-csrf', csrf);
      const res = await fetch(url, { ...req, headers, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0]!;
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return res;
      url = new URL(loc, url).toString();
      req = { method: 'GET' };
    }
    throw new Error('too many redirects');
  };
  return Object.assign(f, { jar });
}

const SECTION = {
  groups: { 'matrix-users': {} },
  users: {
    carol: { name: 'Carol', email: 'carol@example.org', password: 'carol-pw', groups: ['matrix-users'] },
  },
  flows: {
    'email-enrollment': {
      designation: 'enrollment',
      stages: ['default-enrollment-prompt', 'email-user-write', 'email-verify'],
    },
    'invite-only': { designation: 'enrollment', stages: ['invite-gate', 'default-enrollment-prompt'] },
    'remember-login': {
      designation: 'authentication',
      stages: ['combo-identification', 'remember-me-login'],
    },
  },
  stages: {
    'email-user-write': { type: 'user_write', create_users_as_inactive: true },
    'email-verify': { type: 'email', activate_user_on_success: true },
    'invite-gate': { type: 'invitation' },
    'combo-identification': { type: 'identification', password_stage: 'default-authentication-password' },
    'remember-me-login': { type: 'user_login', remember_me_offset: 'days=30' },
  },
  policies: { 'deny-all': { expression: 'ak_message("nobody")\nreturn False' } },
  providers: {
    'consent-provider': {
      client_id: 'consent-client',
      client_secret: 'consent-secret',
      authorization_flow: 'default-provider-authorization-explicit-consent',
      invalidation_flow: 'default-provider-invalidation-flow',
      property_mappings: ['goauthentik.io/providers/oauth2/scope-openid'],
      redirect_uris: [{ matching_mode: 'regex', url: 'https://consent\\.example/cb/.*' }],
    },
  },
  applications: { consented: { name: 'Consented', provider: 'consent-provider' } },
  invitations: { 'contract-invite': { flow: 'invite-only', single_use: true } },
};

describe('contract: @goauthentik/api client and schema.yml', () => {
  let run: Running;
  let cfg: Configuration;
  const base = () => `${run.url}/api/v3`;
  beforeAll(async () => {
    run = await startAuthentik(SECTION);
    cfg = new Configuration({ basePath: base(), accessToken: run.token, middleware: [capture] });
  });
  afterAll(() => run.close());

  it('reads and writes core objects: users, groups, applications, brands', async () => {
    const core = new CoreApi(cfg);
    const users = await core.coreUsersList({ username: 'boje' });
    expect(users.results.map((u) => u.username)).toEqual(['boje']);
    expect(users.pagination).toMatchObject({ count: 1, current: 1, next: 0, previous: 0, totalPages: 1 });
    expect((await core.coreUsersList({ isActive: true, email: 'carol@example.org' })).results).toHaveLength(
      1,
    );
    const boje = await core.coreUsersRetrieve({ id: users.results[0]!.pk });
    expect(boje.isActive).toBe(true);
    expect((await core.coreUsersMeRetrieve()).user.username).toBe('akadmin');
    const dave = await core.coreUsersCreate({
      userRequest: { username: 'dave', name: 'Dave', email: 'dave@example.org' },
    });
    await core.coreUsersUpdate({
      id: dave.pk,
      userRequest: { username: 'dave', name: 'David', email: 'dave@example.org' },
    });
    expect(
      (await core.coreUsersPartialUpdate({ id: dave.pk, patchedUserRequest: { isActive: false } })).isActive,
    ).toBe(false);
    await core.coreUsersSetPasswordCreate({ id: dave.pk, userPasswordSetRequest: { password: 'x' } });
    const groups = await core.coreGroupsList({ name: 'matrix-users' });
    const group = groups.results[0]!;
    expect(group.usersObj?.map((u) => u.username)).toEqual(['carol']);
    await core.coreGroupsAddUserCreate({ groupUuid: group.pk, userAccountRequest: { pk: dave.pk } });
    await core.coreGroupsRemoveUserCreate({ groupUuid: group.pk, userAccountRequest: { pk: dave.pk } });
    const g2 = await core.coreGroupsCreate({ groupRequest: { name: 'temp' } });
    await core.coreGroupsRetrieve({ groupUuid: g2.pk });
    await core.coreGroupsUpdate({ groupUuid: g2.pk, groupRequest: { name: 'temp2' } });
    await core.coreGroupsPartialUpdate({ groupUuid: g2.pk, patchedGroupRequest: { isSuperuser: false } });
    await core.coreGroupsDestroy({ groupUuid: g2.pk });
    await core.coreUsersDestroy({ id: dave.pk });

    const apps = await core.coreApplicationsList({ slug: 'matrix' });
    expect(apps.results[0]!.providerObj?.name).toBe('matrix-provider');
    const app = await core.coreApplicationsRetrieve({ slug: 'matrix' });
    expect(app.launchUrl).toBeNull();
    const access = await core.coreApplicationsCheckAccessRetrieve({ slug: 'matrix', forUser: boje.pk });
    expect(access).toEqual({ passing: true, messages: [], logMessages: [] });
    const tmp = await core.coreApplicationsCreate({ applicationRequest: { name: 'Tmp', slug: 'tmp' } });
    await core.coreApplicationsUpdate({ slug: tmp.slug, applicationRequest: { name: 'Tmp2', slug: 'tmp' } });
    await core.coreApplicationsPartialUpdate({
      slug: 'tmp',
      patchedApplicationRequest: { metaPublisher: 'me' },
    });
    await core.coreApplicationsDestroy({ slug: 'tmp' });

    const brands = await core.coreBrandsList({});
    const brand = brands.results[0]!;
    await core.coreBrandsRetrieve({ brandUuid: brand.brandUuid });
    await core.coreBrandsPartialUpdate({
      brandUuid: brand.brandUuid,
      patchedBrandRequest: { brandingTitle: 'sandbox' },
    });
    await core.coreBrandsUpdate({
      brandUuid: brand.brandUuid,
      brandRequest: { domain: brand.domain, brandingTitle: 'authentik' },
    });
    const nb = await core.coreBrandsCreate({ brandRequest: { domain: 'other.example' } });
    await core.coreBrandsDestroy({ brandUuid: nb.brandUuid });
    const current = await core.coreBrandsCurrentRetrieve();
    expect(current.flowAuthentication).toBe('default-authentication-flow');
  });

  it('reads and writes flows, bindings, stages and prompts', async () => {
    const flows = new FlowsApi(cfg);
    const stages = new StagesApi(cfg);
    const enrollment = await flows.flowsInstancesList({
      designation: 'enrollment',
      slug: 'default-enrollment-flow',
    });
    const flow = await flows.flowsInstancesRetrieve({ slug: 'default-enrollment-flow' });
    expect(enrollment.results[0]!.pk).toBe(flow.pk);
    expect((await flows.flowsInstancesExecuteRetrieve({ slug: flow.slug })).link).toContain(
      '/if/flow/default-enrollment-flow/',
    );
    const bindings = await flows.flowsBindingsList({ target: flow.pk, ordering: 'order' });
    expect(bindings.results.map((b) => b.stageObj.metaModelName)).toEqual([
      'authentik_stages_prompt.promptstage',
      'authentik_stages_user_write.userwritestage',
      'authentik_stages_user_login.userloginstage',
    ]);
    await flows.flowsBindingsRetrieve({ fsbUuid: bindings.results[0]!.pk });
    const nf = await flows.flowsInstancesCreate({
      flowRequest: { name: 'T', slug: 'tmp-flow', title: 'T', designation: 'enrollment' },
    });
    await flows.flowsInstancesUpdate({
      slug: 'tmp-flow',
      flowRequest: { name: 'T2', slug: 'tmp-flow', title: 'T2', designation: 'enrollment' },
    });
    await flows.flowsInstancesPartialUpdate({
      slug: 'tmp-flow',
      patchedFlowRequest: { authentication: 'require_unauthenticated' },
    });

    const ident = await stages.stagesIdentificationList({ enrollmentFlow: flow.pk });
    expect(ident.results.map((s) => s.name)).toEqual(['default-authentication-identification']);
    await stages.stagesIdentificationRetrieve({ stageUuid: ident.results[0]!.pk });
    await stages.stagesPasswordList({});
    await stages.stagesUserWriteList({ userCreationMode: 'always_create' });
    await stages.stagesUserLoginList({});
    await stages.stagesUserLogoutList({});
    await stages.stagesConsentList({});
    await stages.stagesEmailList({});
    await stages.stagesInvitationStagesList({});
    await stages.stagesAllList({});
    const prompts = await stages.stagesPromptPromptsList({ fieldKey: 'username' });
    await stages.stagesPromptPromptsRetrieve({ promptUuid: prompts.results[0]!.pk });
    const ps = await stages.stagesPromptStagesList({});
    await stages.stagesPromptStagesRetrieve({ stageUuid: ps.results[0]!.pk });

    const p = await stages.stagesPromptPromptsCreate({
      promptRequest: { name: 'tmp-field', fieldKey: 'nickname', label: 'Nick', type: 'text' },
    });
    await stages.stagesPromptPromptsUpdate({
      promptUuid: p.pk,
      promptRequest: { name: 'tmp-field', fieldKey: 'nickname', label: 'Nickname', type: 'text' },
    });
    await stages.stagesPromptPromptsPartialUpdate({
      promptUuid: p.pk,
      patchedPromptRequest: { required: false },
    });
    const pst = await stages.stagesPromptStagesCreate({
      promptStageRequest: { name: 'tmp-prompt', fields: [p.pk] },
    });
    await stages.stagesPromptStagesUpdate({
      stageUuid: pst.pk,
      promptStageRequest: { name: 'tmp-prompt', fields: [] },
    });
    await stages.stagesPromptStagesPartialUpdate({
      stageUuid: pst.pk,
      patchedPromptStageRequest: { fields: [p.pk] },
    });
    const created = [
      await stages.stagesIdentificationCreate({
        identificationStageRequest: { name: 'tmp-ident', userFields: ['username'] },
      }),
      await stages.stagesPasswordCreate({
        passwordStageRequest: { name: 'tmp-pw', backends: ['authentik.core.auth.InbuiltBackend'] },
      }),
      await stages.stagesUserWriteCreate({
        userWriteStageRequest: { name: 'tmp-write', userCreationMode: 'never_create' },
      }),
      await stages.stagesUserLoginCreate({ userLoginStageRequest: { name: 'tmp-login' } }),
      await stages.stagesUserLogoutCreate({ userLogoutStageRequest: { name: 'tmp-logout' } }),
      await stages.stagesEmailCreate({ emailStageRequest: { name: 'tmp-email' } }),
      await stages.stagesInvitationStagesCreate({ invitationStageRequest: { name: 'tmp-invite' } }),
      await stages.stagesConsentCreate({ consentStageRequest: { name: 'tmp-consent', mode: 'permanent' } }),
    ];
    const [id, pw, uw, ul, ulo, em, inv, co] = created.map((s) => s.pk) as string[];
    await stages.stagesIdentificationUpdate({
      stageUuid: id!,
      identificationStageRequest: { name: 'tmp-ident' },
    });
    await stages.stagesIdentificationPartialUpdate({
      stageUuid: id!,
      patchedIdentificationStageRequest: { enrollmentFlow: nf.pk },
    });
    await stages.stagesPasswordUpdate({
      stageUuid: pw!,
      passwordStageRequest: { name: 'tmp-pw', backends: ['authentik.core.auth.TokenBackend'] },
    });
    await stages.stagesPasswordPartialUpdate({
      stageUuid: pw!,
      patchedPasswordStageRequest: { allowShowPassword: true },
    });
    await stages.stagesPasswordRetrieve({ stageUuid: pw! });
    await stages.stagesUserWriteUpdate({ stageUuid: uw!, userWriteStageRequest: { name: 'tmp-write' } });
    await stages.stagesUserWritePartialUpdate({
      stageUuid: uw!,
      patchedUserWriteStageRequest: { createUsersAsInactive: true },
    });
    await stages.stagesUserWriteRetrieve({ stageUuid: uw! });
    await stages.stagesUserLoginUpdate({ stageUuid: ul!, userLoginStageRequest: { name: 'tmp-login' } });
    await stages.stagesUserLoginPartialUpdate({
      stageUuid: ul!,
      patchedUserLoginStageRequest: { sessionDuration: 'hours=1' },
    });
    await stages.stagesUserLoginRetrieve({ stageUuid: ul! });
    await stages.stagesUserLogoutUpdate({ stageUuid: ulo!, userLogoutStageRequest: { name: 'tmp-logout' } });
    await stages.stagesUserLogoutPartialUpdate({
      stageUuid: ulo!,
      patchedUserLogoutStageRequest: { name: 'tmp-logout2' },
    });
    await stages.stagesUserLogoutRetrieve({ stageUuid: ulo! });
    await stages.stagesEmailUpdate({ stageUuid: em!, emailStageRequest: { name: 'tmp-email' } });
    await stages.stagesEmailPartialUpdate({
      stageUuid: em!,
      patchedEmailStageRequest: { activateUserOnSuccess: true },
    });
    await stages.stagesEmailRetrieve({ stageUuid: em! });
    await stages.stagesInvitationStagesUpdate({
      stageUuid: inv!,
      invitationStageRequest: { name: 'tmp-invite' },
    });
    await stages.stagesInvitationStagesPartialUpdate({
      stageUuid: inv!,
      patchedInvitationStageRequest: { continueFlowWithoutInvitation: true },
    });
    await stages.stagesInvitationStagesRetrieve({ stageUuid: inv! });
    await stages.stagesConsentUpdate({ stageUuid: co!, consentStageRequest: { name: 'tmp-consent' } });
    await stages.stagesConsentPartialUpdate({
      stageUuid: co!,
      patchedConsentStageRequest: { mode: 'expiring' },
    });
    await stages.stagesConsentRetrieve({ stageUuid: co! });

    const b = await flows.flowsBindingsCreate({
      flowStageBindingRequest: { target: nf.pk, stage: pst.pk, order: 10 },
    });
    await flows.flowsBindingsUpdate({
      fsbUuid: b.pk,
      flowStageBindingRequest: { target: nf.pk, stage: pst.pk, order: 20 },
    });
    await flows.flowsBindingsPartialUpdate({
      fsbUuid: b.pk,
      patchedFlowStageBindingRequest: { evaluateOnPlan: true },
    });
    await flows.flowsBindingsDestroy({ fsbUuid: b.pk });

    const invitations = new StagesApi(cfg);
    const invites = await invitations.stagesInvitationInvitationsList({ flowSlug: 'invite-only' });
    expect(invites.results[0]!.flowObj.slug).toBe('invite-only');
    await invitations.stagesInvitationInvitationsRetrieve({ inviteUuid: invites.results[0]!.pk });
    const ni = await invitations.stagesInvitationInvitationsCreate({
      invitationRequest: { name: 'tmp-invite', flow: flow.pk, fixedData: { email: 'x@example.org' } },
    });
    expect(ni.createdBy.username).toBe('akadmin');
    await invitations.stagesInvitationInvitationsUpdate({
      inviteUuid: ni.pk,
      invitationRequest: { name: 'tmp-invite', flow: flow.pk },
    });
    await invitations.stagesInvitationInvitationsPartialUpdate({
      inviteUuid: ni.pk,
      patchedInvitationRequest: { singleUse: true },
    });
    await invitations.stagesInvitationInvitationsDestroy({ inviteUuid: ni.pk });

    await stages.stagesIdentificationDestroy({ stageUuid: id! });
    await stages.stagesPasswordDestroy({ stageUuid: pw! });
    await stages.stagesUserWriteDestroy({ stageUuid: uw! });
    await stages.stagesUserLoginDestroy({ stageUuid: ul! });
    await stages.stagesUserLogoutDestroy({ stageUuid: ulo! });
    await stages.stagesEmailDestroy({ stageUuid: em! });
    await stages.stagesInvitationStagesDestroy({ stageUuid: inv! });
    await stages.stagesConsentDestroy({ stageUuid: co! });
    await stages.stagesPromptStagesDestroy({ stageUuid: pst.pk });
    await stages.stagesPromptPromptsDestroy({ promptUuid: p.pk });
    await flows.flowsInstancesDestroy({ slug: 'tmp-flow' });
  });

  it('reads and writes providers, scope mappings, certificates, policy bindings', async () => {
    const providers = new ProvidersApi(cfg);
    const list = await providers.providersOauth2List({ clientId: SEED_CLIENT_ID });
    const provider = list.results[0]!;
    expect(provider.redirectUris).toEqual([
      { matchingMode: 'strict', url: CALLBACK, redirectUriType: 'authorization' },
    ]);
    expect(provider.assignedApplicationSlug).toBe('matrix');
    await providers.providersOauth2Retrieve({ id: provider.pk });
    const urls = await providers.providersOauth2SetupUrlsRetrieve({ id: provider.pk });
    expect(urls.issuer).toBe(`${run.url}/application/o/matrix/`);
    const preview = await providers.providersOauth2PreviewUserRetrieve({ id: provider.pk, forUser: 7 });
    expect(preview.preview).toMatchObject({ preferred_username: 'boje', email_verified: false });
    const np = await providers.providersOauth2Create({
      oAuth2ProviderRequest: {
        name: 'tmp-provider',
        authorizationFlow: provider.authorizationFlow,
        invalidationFlow: provider.invalidationFlow,
        redirectUris: [{ matchingMode: 'regex', url: 'https://x\\.example/.*' }],
      },
    });
    expect(np.clientId).toHaveLength(40);
    await providers.providersOauth2Update({
      id: np.pk,
      oAuth2ProviderRequest: {
        name: 'tmp-provider',
        authorizationFlow: provider.authorizationFlow,
        invalidationFlow: provider.invalidationFlow,
        redirectUris: [],
      },
    });
    await providers.providersOauth2PartialUpdate({
      id: np.pk,
      patchedOAuth2ProviderRequest: { subMode: 'user_email' },
    });
    await providers.providersOauth2Destroy({ id: np.pk });

    const pm = new PropertymappingsApi(cfg);
    const mappings = await pm.propertymappingsProviderScopeList({
      managed: ['goauthentik.io/providers/oauth2/scope-email'],
    });
    expect(mappings.results.map((m) => m.scopeName)).toEqual(['email']);
    await pm.propertymappingsProviderScopeRetrieve({ pmUuid: mappings.results[0]!.pk });
    const nm = await pm.propertymappingsProviderScopeCreate({
      scopeMappingRequest: {
        name: 'verified email',
        scopeName: 'email',
        expression: 'return {"email_verified": True}',
      },
    });
    await pm.propertymappingsProviderScopeUpdate({
      pmUuid: nm.pk,
      scopeMappingRequest: { name: 'verified email', scopeName: 'email', expression: 'return {}' },
    });
    await pm.propertymappingsProviderScopePartialUpdate({
      pmUuid: nm.pk,
      patchedScopeMappingRequest: { description: 'x' },
    });
    await pm.propertymappingsProviderScopeDestroy({ pmUuid: nm.pk });

    const crypto = new CryptoApi(cfg);
    const certs = await crypto.cryptoCertificatekeypairsList({ hasKey: true });
    expect(certs.results[0]).toMatchObject({
      name: 'authentik Self-signed Certificate',
      keyType: 'rsa',
      privateKeyAvailable: true,
    });
    await crypto.cryptoCertificatekeypairsRetrieve({ kpUuid: certs.results[0]!.pk });
    const material = generateKeyMaterial('contract upload', 'ec');
    const up = await crypto.cryptoCertificatekeypairsCreate({
      certificateKeyPairRequest: {
        name: 'uploaded',
        certificateData: material.certPem,
        keyData: material.keyPem,
      },
    });
    expect(up.keyType).toBe('ec');
    await crypto.cryptoCertificatekeypairsUpdate({
      kpUuid: up.pk,
      certificateKeyPairRequest: { name: 'uploaded2', certificateData: material.certPem },
    });
    await crypto.cryptoCertificatekeypairsPartialUpdate({
      kpUuid: up.pk,
      patchedCertificateKeyPairRequest: { name: 'uploaded3' },
    });
    await crypto.cryptoCertificatekeypairsDestroy({ kpUuid: up.pk });
    const gen = await crypto.cryptoCertificatekeypairsGenerateCreate({
      certificateGenerationRequest: { commonName: 'generated', validityDays: 365, alg: 'ecdsa' },
    });
    expect(gen.keyType).toBe('ec');

    const policies = new PoliciesApi(cfg);
    const app = await new CoreApi(cfg).coreApplicationsRetrieve({ slug: 'matrix' });
    const groups = await new CoreApi(cfg).coreGroupsList({ name: 'matrix-users' });
    const pb = await policies.policiesBindingsCreate({
      policyBindingRequest: { target: app.pk, group: groups.results[0]!.pk, order: 0 },
    });
    expect(
      (await policies.policiesBindingsList({ target: app.pk })).results.map((x) => x.groupObj?.name),
    ).toEqual(['matrix-users']);
    await policies.policiesBindingsRetrieve({ policyBindingUuid: pb.pk });
    await policies.policiesBindingsUpdate({
      policyBindingUuid: pb.pk,
      policyBindingRequest: { target: app.pk, group: groups.results[0]!.pk, order: 1 },
    });
    await policies.policiesBindingsPartialUpdate({
      policyBindingUuid: pb.pk,
      patchedPolicyBindingRequest: { negate: true },
    });
    await policies.policiesBindingsDestroy({ policyBindingUuid: pb.pk });
  });

  it('reads events, the version, and applies blueprints', async () => {
    const events = new EventsApi(cfg);
    const list = await events.eventsEventsList({ ordering: '-created', pageSize: 5 });
    expect(list.results.length).toBeGreaterThan(0);
    await events.eventsEventsRetrieve({ eventUuid: list.results[0]!.pk });
    await events.eventsEventsList({
      action: 'model',
      contextModelApp: 'authentik_core',
      contextModelName: 'user',
    });
    await events.eventsEventsActionsList();
    expect((await new AdminApi(cfg).adminVersionRetrieve()).versionCurrent).toBe('2026.8.3');

    const managed = new ManagedApi(cfg);
    const content = [
      'version: 1',
      'metadata: {name: contract}',
      'entries:',
      '  - model: authentik_core.group',
      '    identifiers: {name: blueprint-group}',
      '    id: g',
      '  - model: authentik_core.user',
      '    identifiers: {username: bp-user}',
      '    attrs: {name: BP, email: bp@example.org, groups: [!KeyOf g]}',
    ].join('\n');
    const bp = await managed.managedBlueprintsCreate({
      blueprintInstanceRequest: { name: 'contract', content },
    });
    const applied = await managed.managedBlueprintsApplyCreate({ instanceUuid: bp.pk });
    expect(applied.status).toBe('successful');
    expect(applied.managedModels).toEqual(['authentik_core.group', 'authentik_core.user']);
    await managed.managedBlueprintsList({});
    await managed.managedBlueprintsRetrieve({ instanceUuid: bp.pk });
    await managed.managedBlueprintsUpdate({
      instanceUuid: bp.pk,
      blueprintInstanceRequest: { name: 'contract', content },
    });
    await managed.managedBlueprintsPartialUpdate({
      instanceUuid: bp.pk,
      patchedBlueprintInstanceRequest: { enabled: false },
    });
    await managed.managedBlueprintsAvailableList();
    const imported = await managed.managedBlueprintsImportCreate({
      file: new Blob([
        'version: 1\nentries:\n  - model: authentik_core.group\n    identifiers: {name: imported}\n',
      ]),
    });
    expect(imported.success).toBe(true);
    await managed.managedBlueprintsDestroy({ instanceUuid: bp.pk });
  });

  it('returns Authentik error shapes: 403 without/with a bad token, 404 detail, 400 per field', async () => {
    const noToken = new CoreApi(new Configuration({ basePath: base(), middleware: [capture] }));
    const e1 = await noToken.coreUsersList({}).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ResponseError);
    expect((e1 as ResponseError).response.status).toBe(403);
    expect(await (e1 as ResponseError).response.json()).toEqual({
      detail: 'Authentication credentials were not provided.',
    });
    const badToken = new CoreApi(
      new Configuration({ basePath: base(), accessToken: 'nope', middleware: [capture] }),
    );
    const e2 = (await badToken.coreUsersList({}).catch((e: unknown) => e)) as ResponseError;
    expect(await e2.response.json()).toEqual({ detail: 'Token invalid/expired' });
    const core = new CoreApi(cfg);
    const e3 = (await core.coreUsersRetrieve({ id: 9999 }).catch((e: unknown) => e)) as ResponseError;
    expect(e3.response.status).toBe(404);
    expect(await e3.response.json()).toEqual({ detail: 'No User matches the given query.' });
    const e4 = (await new ProvidersApi(cfg)
      .providersOauth2Retrieve({ id: 9999 })
      .catch((e: unknown) => e)) as ResponseError;
    expect(await e4.response.json()).toEqual({ detail: 'No OAuth2Provider matches the given query.' });
    const e5 = (await core
      .coreUsersCreate({ userRequest: { username: 'boje', name: 'dup' } })
      .catch((e: unknown) => e)) as ResponseError;
    expect(e5.response.status).toBe(400);
    expect(await e5.response.json()).toEqual({ username: ['A user with that username already exists.'] });
    const e6 = await fetch(`${base()}/flows/bindings/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'not-a-uuid', order: 'x' }),
    });
    const body6 = await e6.json();
    captured.push({ method: 'POST', url: `${base()}/flows/bindings/`, status: e6.status, body: body6 });
    expect(body6).toEqual({
      target: ['“not-a-uuid” is not a valid UUID.'],
      stage: ['This field is required.'],
      order: ['A valid integer is required.'],
    });
    const e7 = (await core.coreUsersList({ page: 9 }).catch((e: unknown) => e)) as ResponseError;
    expect(await e7.response.json()).toEqual({ detail: 'Invalid page.' });
  });

  it('runs flows through the client executor: every challenge type the emulator emits', async () => {
    const seen = new Set<string>();
    const executor = () => {
      const fetchApi = jarFetch();
      return {
        api: new FlowsApi(new Configuration({ basePath: base(), fetchApi, middleware: [capture] })),
        fetchApi,
      };
    };
    // authentication with inline password and a remember-me login stage
    const a = executor();
    let c = await a.api.flowsExecutorGet({ flowSlug: 'remember-login', query: '' });
    seen.add(c.component);
    expect(c).toMatchObject({ component: 'ak-stage-identification', passwordFields: true });
    c = await a.api.flowsExecutorSolve({
      flowSlug: 'remember-login',
      query: '',
      flowChallengeResponseRequest: {
        component: 'ak-stage-identification',
        uidField: 'carol',
        password: 'carol-pw',
      },
    });
    seen.add(c.component);
    expect(c.component).toBe('ak-stage-user-login');
    c = await a.api.flowsExecutorSolve({
      flowSlug: 'remember-login',
      query: '',
      flowChallengeResponseRequest: { component: 'ak-stage-user-login', rememberMe: true },
    });
    seen.add(c.component);
    expect(c).toMatchObject({ component: 'xak-flow-redirect', to: '/' });
    // explicit consent, then the code as a form_post auto-submit
    const q = new URLSearchParams({
      client_id: 'consent-client',
      redirect_uri: 'https://consent.example/cb/1',
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'openid',
      state: 's',
    });
    const authz = await a.fetchApi(`${run.url}/application/o/authorize/?${q}`);
    expect(authz.status).toBe(200);
    c = await a.api.flowsExecutorGet({
      flowSlug: 'default-provider-authorization-explicit-consent',
      query: q.toString(),
    });
    seen.add(c.component);
    expect(c).toMatchObject({
      component: 'ak-stage-consent',
      headerText: "You're about to sign into Consented.",
    });
    const token = (c as { token: string }).token;
    c = await a.api.flowsExecutorSolve({
      flowSlug: 'default-provider-authorization-explicit-consent',
      query: q.toString(),
      flowChallengeResponseRequest: { component: 'ak-stage-consent', token },
    });
    seen.add(c.component);
    expect(c).toMatchObject({ component: 'ak-stage-autosubmit', url: 'https://consent.example/cb/1' });
    // enrollment: prompt, then password stage on the default login
    const e = executor();
    c = await e.api.flowsExecutorGet({ flowSlug: 'email-enrollment', query: '' });
    seen.add(c.component);
    expect(c.component).toBe('ak-stage-prompt');
    c = await e.api.flowsExecutorSolve({
      flowSlug: 'email-enrollment',
      query: '',
      flowChallengeResponseRequest: {
        component: 'ak-stage-prompt',
        username: 'erin',
        name: 'Erin',
        email: 'erin@example.org',
        password: 'erin-pw',
      },
    });
    seen.add(c.component);
    expect(c.component).toBe('ak-stage-email');
    const p = executor();
    c = await p.api.flowsExecutorGet({ flowSlug: 'default-authentication-flow', query: '' });
    c = await p.api.flowsExecutorSolve({
      flowSlug: 'default-authentication-flow',
      query: '',
      flowChallengeResponseRequest: { component: 'ak-stage-identification', uidField: 'boje' },
    });
    seen.add(c.component);
    expect(c.component).toBe('ak-stage-password');
    // invitation required: access denied
    const i = executor();
    c = await i.api.flowsExecutorGet({ flowSlug: 'invite-only', query: '' });
    seen.add(c.component);
    expect(c).toMatchObject({
      component: 'ak-stage-access-denied',
      errorMessage: 'Invalid invite/invite not found',
    });
    expect([...seen].sort()).toEqual([
      'ak-stage-access-denied',
      'ak-stage-autosubmit',
      'ak-stage-consent',
      'ak-stage-email',
      'ak-stage-identification',
      'ak-stage-password',
      'ak-stage-prompt',
      'ak-stage-user-login',
      'xak-flow-redirect',
    ]);
  });

  it('every captured response validates against its operation in schema.yml', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of captured) {
      const u = new URL(c.url);
      if (!u.pathname.startsWith('/api/v3/')) continue;
      const op = operationFor(c.method, u.pathname);
      if (!op) {
        failures.push(`${c.method} ${u.pathname}: no such operation in schema.yml`);
        continue;
      }
      if (c.status === 204 || c.status === 302) continue;
      const schema = responseSchema(c.method, op.template, c.status);
      if (!schema) {
        failures.push(`${c.method} ${op.template} -> ${c.status}: status not declared`);
        continue;
      }
      const errors = validateResponse(schema, c.body);
      checked++;
      if (errors.length)
        failures.push(`${c.method} ${op.template} -> ${c.status}:\n  ${errors.slice(0, 8).join('\n  ')}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(120);
  });

  it('every API route the emulator registers was exercised above', () => {
    const routes = (
      run.instance.router as unknown as { routes: { method: string; pattern: RegExp; group: string }[] }
    ).routes;
    const hits = captured.map((c) => ({ method: c.method, path: new URL(c.url).pathname }));
    const missing = routes
      .filter((r) => r.group === 'api' || r.group === 'executor')
      .filter((r) => !hits.some((h) => h.method === r.method && r.pattern.test(h.path)))
      .map((r) => `${r.method} ${r.pattern.source}`);
    expect(missing).toEqual([]);
  });

  it('validates error bodies too (sanity of the validator itself)', () => {
    expect(validate('GenericError', { detail: 'x' })).toEqual([]);
    expect(validate('User', { pk: 1 }).length).toBeGreaterThan(0);
    expect(validate('ChallengeTypes', { component: 'ak-stage-password' }).length).toBeGreaterThan(0);
    expect(validate('ChallengeTypes', { component: 'xak-flow-redirect', to: '/' })).toEqual([]);
    expect(
      validate('ChallengeTypes', { component: 'xak-flow-redirect', to: '/', invented: 1 }).length,
    ).toBeGreaterThan(0);
    expect(validate('ChallengeTypes', { component: 'ak-stage-nonexistent' }).length).toBeGreaterThan(0);
  });
});
