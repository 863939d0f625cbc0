import type { EmulatorDefinition, EmulatorInstance, StackEnv } from '../emulator.js';
import { Router } from '../http/server.js';
import { API } from './api/common.js';
import {
  applicationsResource,
  brandsResource,
  groupsResource,
  registerCore,
  usersResource,
} from './api/core.js';
import {
  bindingsResource,
  flowsResource,
  invitationsResource,
  promptsResource,
  registerFlows,
  STAGE_TYPES,
  stageResource,
} from './api/flows.js';
import { policyBindingsResource, registerMisc } from './api/misc.js';
import {
  certificatesResource,
  providersResource,
  registerProviders,
  scopeMappingsResource,
} from './api/providers.js';
import { registerResource, type Resource } from './api/resource.js';
import type { Ak } from './context.js';
import { Events } from './events.js';
import { EXECUTOR, Executor, FLOW_INTERFACE } from './executor.js';
import { Store } from './model.js';
import { GROUPS, Oidc } from './oidc.js';
import { AuthentikSectionSchema, type AuthentikSection } from './scenario.js';
import { Sessions } from './session.js';

export {
  AuthentikSectionSchema,
  resolveSection,
  SEED,
  SEED_CLIENT_ID,
  SEED_CLIENT_SECRET,
  SEED_MAS_PROVIDER_ID,
  SEED_PASSWORDS,
  MANAGED,
  SELF_SIGNED,
  type AuthentikSection,
  type AuthentikSectionInput,
} from './scenario.js';

/** Fault-injection groups of the Authentik emulator (`faults: {authentik: {<group>: {...}}}`). */
export const ENDPOINT_GROUPS = [
  API,
  EXECUTOR,
  FLOW_INTERFACE,
  GROUPS.discovery,
  GROUPS.jwks,
  GROUPS.authorize,
  GROUPS.token,
  GROUPS.userinfo,
  GROUPS.endSession,
] as const;
export type AuthentikEndpointGroup = (typeof ENDPOINT_GROUPS)[number];

export interface AuthentikInstance extends EmulatorInstance {
  /** the emulator's state, for tests and `sandbox up` introspection */
  ak: Ak;
}

export function createAuthentik(section: AuthentikSection, env: StackEnv): AuthentikInstance {
  const store = new Store(section, env);
  const events = new Events(store, env.log);
  const ak: Ak = {
    store,
    events,
    sessions: new Sessions(store),
    env,
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
  };
  const router = new Router('authentik');
  const executor = new Executor(ak);
  new Oidc(ak, executor).register(router);
  executor.register(router);
  registerCore(router, ak);
  registerFlows(router, ak);
  registerProviders(router, ak);
  const resources: Resource<unknown>[] = [
    usersResource(ak),
    groupsResource(ak),
    applicationsResource(ak),
    brandsResource(ak),
    flowsResource(ak),
    bindingsResource(ak),
    ...STAGE_TYPES.map((t) => stageResource(ak, t)),
    promptsResource(ak),
    invitationsResource(ak),
    providersResource(ak),
    scopeMappingsResource(ak),
    certificatesResource(ak),
    policyBindingsResource(ak),
  ] as Resource<unknown>[];
  const byModel = new Map<string, Resource<unknown>>();
  for (const r of resources) {
    registerResource(router, ak, r);
    if (r.blueprintModel) byModel.set(r.blueprintModel, r);
  }
  registerMisc(router, ak, byModel);
  events.line('INFO', 'authentik.root.signals', 'Starting authentik emulator', {
    version: section.version,
    users: Object.keys(store.data.users).length,
    providers: Object.keys(store.data.providers).length,
  });
  const tokenUser = store.userByName(section.api_token_user);
  return {
    router,
    ak,
    info() {
      const url = env.urls.authentik;
      const apps = Object.values(store.data.applications);
      const out: Record<string, string> = {
        url,
        api: `${url}/api/v3/`,
        api_token: section.api_token,
        api_token_user: tokenUser?.username ?? '',
      };
      for (const app of apps) {
        const p = app.provider !== null ? store.data.providers[app.provider] : undefined;
        if (!p) continue;
        out[`${app.slug}.issuer`] =
          p.issuer_mode === 'global' ? `${url}/` : `${url}/application/o/${app.slug}/`;
        out[`${app.slug}.client_id`] = p.client_id;
        if (p.client_type === 'confidential') out[`${app.slug}.client_secret`] = p.client_secret;
      }
      for (const u of Object.values(store.data.users))
        if (u.password !== null) out[`user.${u.username}.password`] = u.password;
      return out;
    },
  };
}

export const authentikEmulator: EmulatorDefinition<AuthentikSection> = {
  service: 'authentik',
  section: AuthentikSectionSchema,
  create: createAuthentik,
};
