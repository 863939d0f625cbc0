import { describe, expect, it } from 'vitest';
import {
  chooseProviderId,
  renderProvidersSnippet,
  SECRET_PLACEHOLDER,
  translateTemplate,
  translateToMasProvider,
} from './dialect-translation.js';
import { deriveProviderUlid } from './provider-id.js';

const ctx = { existing: [], callbackIds: [], providerCount: 1 };

describe('translateToMasProvider', () => {
  it('maps Synapse’s keys the way MAS’s own converter does, without copying the secret', () => {
    const { provider, secretOmitted } = translateToMasProvider(
      {
        path: [],
        data: {
          idp_id: 'authentik',
          idp_name: 'Authentik',
          idp_brand: 'authentik',
          issuer: 'https://a/application/o/m/',
          client_id: 'c',
          client_secret: 'canary',
          scopes: ['openid', 'profile'],
          discover: false,
          token_endpoint: 'https://a/token',
          authorization_endpoint: 'https://a/authorize',
          user_mapping_provider: {
            config: {
              confirm_localpart: true,
              localpart_template: '{{ user.u }}',
              email_template: '{{ user.e }}',
              subject_claim: 'uid',
            },
          },
          backchannel_logout_enabled: true,
        },
      },
      ctx,
    );
    expect(secretOmitted).toBe(true);
    expect(provider).toEqual({
      id: deriveProviderUlid('https://a/application/o/m/', 'c'),
      human_name: 'Authentik',
      brand_name: 'authentik',
      issuer: 'https://a/application/o/m/',
      client_id: 'c',
      client_secret: SECRET_PLACEHOLDER,
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile',
      discovery_mode: 'disabled',
      on_backchannel_logout: 'logout_browser_only',
      synapse_idp_id: 'oidc-authentik',
      authorization_endpoint: 'https://a/authorize',
      token_endpoint: 'https://a/token',
      claims_imports: {
        localpart: { action: 'suggest', template: '{{ user.u }}' },
        email: { action: 'suggest', template: '{{ user.e }}' },
        subject: { template: '{{ user.uid }}' },
      },
    });
  });

  it('keeps a public client public', () => {
    const { provider, notes } = translateToMasProvider(
      { path: [], data: { issuer: 'https://x/', client_id: 'c' } },
      ctx,
    );
    expect(provider).toMatchObject({ token_endpoint_auth_method: 'none' });
    expect(provider).not.toHaveProperty('client_secret');
    expect(notes.join(' ')).toContain('MAS has no default');
  });
});

describe('chooseProviderId', () => {
  it('prefers the entry’s own id, then an existing provider, then a callback URL, then a derived id', () => {
    expect(chooseProviderId({ id: '01hfrqft5qfmjfgf01p7jav2me' }, ctx).id).toBe('01HFRQFT5QFMJFGF01P7JAV2ME');
    const existing = [{ id: '01HFRQFT5QFMJFGF01P7JAV2MF', issuer: 'https://x/', client_id: 'c' }];
    expect(
      chooseProviderId(
        { issuer: 'https://x/', client_id: 'c' },
        { ...ctx, existing, callbackIds: ['01KQDJTR1ZVTG8JQ220F5BNBFZ'] },
      ).id,
    ).toBe('01HFRQFT5QFMJFGF01P7JAV2MF');
    expect(
      chooseProviderId(
        { issuer: 'https://y/' },
        { ...ctx, existing, callbackIds: ['01HFRQFT5QFMJFGF01P7JAV2MF', '01KQDJTR1ZVTG8JQ220F5BNBFZ'] },
      ).id,
    ).toBe('01KQDJTR1ZVTG8JQ220F5BNBFZ');
    expect(
      chooseProviderId(
        { issuer: 'https://y/' },
        { ...ctx, callbackIds: ['01KQDJTR1ZVTG8JQ220F5BNBFZ'], providerCount: 2 },
      ).id,
    ).toBe(deriveProviderUlid('https://y/', ''));
  });
});

describe('translateTemplate and the snippet', () => {
  it('rewrites Synapse’s localpart_from_email', () => {
    expect(translateTemplate('{{ user.email | localpart_from_email }}')).toBe(
      "{{ (user.email | split('@'))[0] }}",
    );
    expect(translateTemplate('{{ user.preferred_username }}')).toBe('{{ user.preferred_username }}');
  });

  it('marks the secret placeholder with a comment', () => {
    const snippet = renderProvidersSnippet([{ id: 'X', client_secret: SECRET_PLACEHOLDER }], ' header');
    expect(snippet).toContain('# put the existing client secret here by hand');
    expect(snippet.startsWith('# header')).toBe(true);
  });
});
