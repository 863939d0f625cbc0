import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { json, type Router } from '../../http/server.js';
import { idToken, issuer, seconds } from '../claims.js';
import type { Ak } from '../context.js';
import { randomToken } from '../ids.js';
import { generateKeyMaterial, type KeyMaterial } from '../keys.js';
import { nowIso, type CertRec, type ProviderRec, type ScopeMappingRec } from '../model.js';
import { ENUMS } from '../scenario.js';
import * as S from '../serialize.js';
import { assignFields, ValidationFailed, validateOrThrow, type FieldSpec } from '../validate.js';
import { badRequest, boolParam, byUuid, eq, notFound, readJson, route } from './common.js';
import { uniqueError } from './core.js';
import type { Resource } from './resource.js';

// --- OAuth2 providers ------------------------------------------------------------------------

export function providersResource(ak: Ak): Resource<ProviderRec> {
  const { store } = ak;
  const d = () => store.data;
  const flow = (required: boolean, nullable: boolean): FieldSpec => ({
    kind: 'uuid-ref',
    required,
    nullable,
    exists: (pk) => pk in d().flows,
  });
  const cert: FieldSpec = { kind: 'uuid-ref', nullable: true, exists: (pk) => pk in d().certs };
  const str: FieldSpec = { kind: 'string', allowBlank: true };
  const fields = (): Record<string, FieldSpec> => ({
    name: { kind: 'string', required: true },
    authentication_flow: flow(false, true),
    authorization_flow: flow(true, false),
    invalidation_flow: flow(true, false),
    property_mappings: { kind: 'uuid-ref[]', exists: (pk) => pk in d().mappings },
    client_type: { kind: 'choice', choices: ENUMS.clientType },
    grant_types: { kind: 'choice[]', choices: ENUMS.grantTypes },
    client_id: { kind: 'string', maxLength: 255 },
    client_secret: { kind: 'string', maxLength: 255, allowBlank: true },
    access_code_validity: str,
    access_token_validity: str,
    refresh_token_validity: str,
    refresh_token_threshold: str,
    include_claims_in_id_token: { kind: 'bool' },
    signing_key: cert,
    encryption_key: cert,
    redirect_uris: { kind: 'redirect_uris', required: true },
    logout_uri: str,
    logout_method: { kind: 'choice', choices: ENUMS.logoutMethod },
    sub_mode: { kind: 'choice', choices: ENUMS.subMode },
    issuer_mode: { kind: 'choice', choices: ENUMS.issuerMode },
    jwt_federation_sources: { kind: 'string[]' },
    jwt_federation_providers: { kind: 'string[]' },
  });
  const apply = (p: ProviderRec, v: Record<string, unknown>) => {
    if (v.name !== undefined && Object.values(d().providers).some((o) => o.name === v.name && o.pk !== p.pk))
      uniqueError('name', 'Provider with this name already exists.');
    if (
      v.client_id !== undefined &&
      Object.values(d().providers).some((o) => o.client_id === v.client_id && o.pk !== p.pk)
    )
      uniqueError('client_id', 'OAuth2/OpenID Provider with this Client ID already exists.');
    return assignFields(
      p,
      v,
      Object.keys(v).filter((k) => k !== 'jwt_federation_sources' && k !== 'jwt_federation_providers'),
    );
  };
  return {
    path: '/providers/oauth2/',
    param: 'id',
    model: 'OAuth2Provider',
    blueprintModel: 'authentik_providers_oauth2.oauth2provider',
    eventModel: { app: 'authentik_providers_oauth2', model_name: 'oauth2provider' },
    all: () => Object.values(d().providers),
    find: (id) => (/^\d+$/.test(id) ? d().providers[Number(id)] : undefined),
    show: (p) => S.oauth2Provider(store, p),
    key: (p) => p.pk,
    label: (p) => p.name,
    ordering: 'name',
    searchFields: (p) => [p.name, p.client_id, store.applicationForProvider(p.pk)?.slug],
    filters: {
      name: eq((p) => p.name),
      client_id: eq((p) => p.client_id),
      client_type: eq((p) => p.client_type),
      application: (p, [v]) => {
        const app = store.applicationForProvider(p.pk);
        return !!app && app.pk === v!.toLowerCase();
      },
      authorization_flow: eq((p) => p.authorization_flow),
      include_claims_in_id_token: eq((p) => p.include_claims_in_id_token),
      issuer_mode: eq((p) => p.issuer_mode),
      sub_mode: eq((p) => p.sub_mode),
      signing_key: eq((p) => p.signing_key),
      property_mappings: (p, values) => values.every((v) => p.property_mappings.includes(v.toLowerCase())),
      access_code_validity: eq((p) => p.access_code_validity),
      access_token_validity: eq((p) => p.access_token_validity),
      refresh_token_validity: eq((p) => p.refresh_token_validity),
    },
    create(body) {
      const v = validateOrThrow(body, fields(), false);
      const p: ProviderRec = {
        pk: store.nextProviderPk(),
        name: '',
        authentication_flow: null,
        authorization_flow: '',
        invalidation_flow: '',
        property_mappings: [],
        client_type: 'confidential',
        grant_types: ['authorization_code', 'refresh_token'],
        client_id: randomToken(40),
        client_secret: randomToken(128),
        access_code_validity: 'minutes=1',
        access_token_validity: 'hours=1',
        refresh_token_validity: 'days=30',
        refresh_token_threshold: 'seconds=0',
        include_claims_in_id_token: true,
        signing_key: null,
        encryption_key: null,
        redirect_uris: [],
        logout_uri: '',
        logout_method: 'backchannel',
        sub_mode: 'hashed_user_id',
        issuer_mode: 'per_provider',
      };
      apply(p, v);
      d().providers[p.pk] = p;
      return p;
    },
    update(p, body, partial) {
      return apply(p, validateOrThrow(body, fields(), partial));
    },
    destroy(p) {
      delete d().providers[p.pk];
      for (const a of Object.values(d().applications)) if (a.provider === p.pk) a.provider = null;
    },
  };
}

// --- scope mappings --------------------------------------------------------------------------

export function scopeMappingsResource(ak: Ak): Resource<ScopeMappingRec> {
  const { store } = ak;
  const fields: Record<string, FieldSpec> = {
    managed: { kind: 'string', nullable: true, allowBlank: true },
    name: { kind: 'string', required: true },
    expression: { kind: 'string', required: true },
    scope_name: { kind: 'string', required: true },
    description: { kind: 'string', allowBlank: true },
  };
  const apply = (m: ScopeMappingRec, v: Record<string, unknown>) => {
    if (
      v.name !== undefined &&
      Object.values(store.data.mappings).some((o) => o.name === v.name && o.pk !== m.pk)
    )
      uniqueError('name', 'Property Mapping with this name already exists.');
    if (
      v.managed !== undefined &&
      v.managed !== null &&
      Object.values(store.data.mappings).some((o) => o.managed === v.managed && o.pk !== m.pk)
    )
      uniqueError('managed', 'Property Mapping with this Managed by authentik already exists.');
    // a new expression replaces any emulator-only claims template
    if (v.expression !== undefined && v.expression !== m.expression) delete m.claims;
    Object.assign(m, v);
    return m;
  };
  return {
    path: '/propertymappings/provider/scope/',
    param: 'pm_uuid',
    model: 'ScopeMapping',
    blueprintModel: 'authentik_providers_oauth2.scopemapping',
    eventModel: { app: 'authentik_providers_oauth2', model_name: 'scopemapping' },
    all: () => Object.values(store.data.mappings),
    find: (id) => byUuid(store.data.mappings, id),
    show: (m) => S.scopeMapping(m),
    key: (m) => m.pk,
    label: (m) => m.name,
    ordering: 'scope_name',
    searchFields: (m) => [m.name, m.scope_name, m.managed],
    filters: {
      managed: (m, values) => values.includes(m.managed ?? ''),
      managed__isnull: (m, [v]) => (m.managed === null) === boolParam(v!),
      scope_name: eq((m) => m.scope_name),
      name: eq((m) => m.name),
    },
    create(body) {
      const v = validateOrThrow(body, fields, false);
      const m: ScopeMappingRec = {
        pk: store.newUuid(),
        managed: null,
        name: '',
        expression: '',
        scope_name: '',
        description: '',
      };
      apply(m, v);
      store.data.mappings[m.pk] = m;
      return m;
    },
    update(m, body, partial) {
      return apply(m, validateOrThrow(body, fields, partial));
    },
    destroy(m) {
      delete store.data.mappings[m.pk];
      for (const p of Object.values(store.data.providers))
        p.property_mappings = p.property_mappings.filter((x) => x !== m.pk);
    },
  };
}

// --- certificate-key pairs -------------------------------------------------------------------

export function certificatesResource(ak: Ak): Resource<CertRec> {
  const { store } = ak;
  const fields: Record<string, FieldSpec> = {
    name: { kind: 'string', required: true },
    certificate_data: { kind: 'string', required: true },
    key_data: { kind: 'string', allowBlank: true },
  };
  const load = (v: Record<string, unknown>): KeyMaterial | undefined => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(String(v.certificate_data));
    } catch {
      throw new ValidationFailed({ certificate_data: ['Unable to load certificate.'] });
    }
    if (!v.key_data) return undefined;
    try {
      const privateKey = createPrivateKey(String(v.key_data));
      const publicKey = cert.publicKey;
      const keyType = privateKey.asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
      const curve = privateKey.asymmetricKeyDetails?.namedCurve;
      const named = curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256';
      const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return {
        keyType,
        curve: keyType === 'ec' ? named : undefined,
        privateKey,
        publicKey,
        keyPem,
        certDer: Buffer.from(cert.raw),
        certPem: cert.toString(),
        // Authentik's CertificateKeyPair.kid: md5 of the private key PEM
        kid: createHash('md5').update(keyPem).digest('hex'),
        alg:
          keyType === 'rsa' ? 'RS256' : named === 'P-384' ? 'ES384' : named === 'P-521' ? 'ES512' : 'ES256',
        notBefore: new Date(cert.validFrom),
        notAfter: new Date(cert.validTo),
        subject: cert.subject.split('\n').reverse().join(','),
        fingerprintSha256: cert.fingerprint256.toLowerCase(),
        fingerprintSha1: cert.fingerprint.toLowerCase(),
      };
    } catch {
      throw new ValidationFailed({ key_data: ['Unable to load private key (possibly encrypted?).'] });
    }
  };
  return {
    path: '/crypto/certificatekeypairs/',
    param: 'kp_uuid',
    model: 'CertificateKeyPair',
    blueprintModel: 'authentik_crypto.certificatekeypair',
    eventModel: { app: 'authentik_crypto', model_name: 'certificatekeypair' },
    all: () => Object.values(store.data.certs),
    find: (id) => byUuid(store.data.certs, id),
    show: (c) => S.certificate(store, c),
    key: (c) => c.pk,
    label: (c) => `Certificate-Key Pair ${c.name}`,
    ordering: 'name',
    searchFields: (c) => [c.name],
    filters: {
      name: eq((c) => c.name),
      managed: eq((c) => c.managed),
      has_key: (c, [v]) => store.keys.has(c.pk) === boolParam(v!),
      key_type: (c, values) => values.includes(store.keys.get(c.pk)?.keyType ?? ''),
    },
    create(body) {
      const v = validateOrThrow(body, fields, false);
      if (Object.values(store.data.certs).some((c) => c.name === v.name))
        uniqueError('name', 'Certificate-Key Pair with this name already exists.');
      const material = load(v);
      const c: CertRec = { pk: store.newUuid(), name: String(v.name), managed: null, has_key: !!material };
      store.data.certs[c.pk] = c;
      if (material) store.keys.set(c.pk, material);
      return c;
    },
    update(c, body, partial) {
      const v = validateOrThrow(body, fields, partial);
      if (v.name !== undefined) c.name = String(v.name);
      if (v.certificate_data !== undefined) {
        const material = load(v);
        if (material) store.keys.set(c.pk, material);
      }
      return c;
    },
    destroy(c) {
      delete store.data.certs[c.pk];
      for (const p of Object.values(store.data.providers)) {
        if (p.signing_key === c.pk) p.signing_key = null;
        if (p.encryption_key === c.pk) p.encryption_key = null;
      }
    },
  };
}

// --- routes ----------------------------------------------------------------------------------

export function registerProviders(router: Router, ak: Ak): void {
  const { store } = ak;
  route(router, ak, 'GET', '/providers/oauth2/:id/setup_urls/', (ctx) => {
    const p = /^\d+$/.test(ctx.params.id!) ? store.data.providers[Number(ctx.params.id)] : undefined;
    if (!p) return notFound('OAuth2Provider');
    const o = ctx.origin;
    const app = store.applicationForProvider(p.pk);
    return json(200, {
      issuer: issuer(store, p, o) ?? '',
      authorize: `${o}/application/o/authorize/`,
      token: `${o}/application/o/token/`,
      user_info: `${o}/application/o/userinfo/`,
      provider_info: app ? `${o}/application/o/${app.slug}/.well-known/openid-configuration` : '',
      logout: app ? `${o}/application/o/${app.slug}/end-session/` : '',
      jwks: app ? `${o}/application/o/${app.slug}/jwks/` : '',
      dcr_registration: null,
    });
  });
  route(router, ak, 'GET', '/providers/oauth2/:id/preview_user/', (ctx, user) => {
    const p = /^\d+$/.test(ctx.params.id!) ? store.data.providers[Number(ctx.params.id)] : undefined;
    if (!p) return notFound('OAuth2Provider');
    let forUser = user;
    const raw = ctx.query.get('for_user');
    if (raw !== null) {
      if (!/^\d+$/.test(raw)) return badRequest({ for_user: 'input must be numerical' });
      const u = store.data.users[Number(raw)];
      if (!u) return badRequest({ for_user: 'User not found' });
      forUser = u;
    }
    const scopes = p.property_mappings.flatMap((pk) =>
      store.data.mappings[pk] ? [store.data.mappings[pk].scope_name] : [],
    );
    const preview = idToken(
      ak,
      p,
      forUser,
      {
        scopes,
        nonce: null,
        authTime: nowIso(),
        origin: ctx.origin,
        expires: Math.floor(Date.now() / 1000) + seconds(p.access_token_validity),
      },
      ctx,
    );
    return json(200, { preview });
  });
  route(router, ak, 'POST', '/crypto/certificatekeypairs/generate/', async (ctx, user) => {
    const v = validateOrThrow(
      await readJson(ctx),
      {
        common_name: { kind: 'string', required: true },
        subject_alt_name: { kind: 'string', allowBlank: true },
        validity_days: { kind: 'int', required: true },
        alg: { kind: 'choice', choices: ['rsa', 'ecdsa', 'ed25519', 'ed448'] },
      },
      false,
    );
    if (v.alg === 'ed25519' || v.alg === 'ed448')
      return badRequest({ alg: ['not emulated: only rsa and ecdsa keys'] });
    const name = String(v.common_name);
    if (Object.values(store.data.certs).some((c) => c.name === name))
      return badRequest({ common_name: ['Key-pair with this name already exists.'] });
    const material = generateKeyMaterial(`${name}\u0000${store.newUuid()}`, v.alg === 'ecdsa' ? 'ec' : 'rsa');
    const c: CertRec = { pk: store.newUuid(), name, managed: null, has_key: true };
    store.data.certs[c.pk] = c;
    store.keys.set(c.pk, { ...material, subject: `OU=Self-signed,O=authentik,CN=${name}` });
    ak.events.record(
      'model_created',
      {
        model: {
          pk: c.pk.replace(/-/g, ''),
          app: 'authentik_crypto',
          name: `Certificate-Key Pair ${name}`,
          model_name: 'certificatekeypair',
        },
      },
      { user, ctx, app: 'authentik.events.middleware' },
    );
    return json(200, S.certificate(store, c));
  });
}
