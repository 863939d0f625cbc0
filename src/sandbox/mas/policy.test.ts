import { describe, expect, it } from 'vitest';
import {
  evaluateAuthorizationGrant,
  evaluateClientRegistration,
  evaluateRegister,
  formatResult,
} from './policy.js';

const register = (username: string, data = {}) =>
  formatResult(
    evaluateRegister(
      { username, registrationMethod: 'upstream-oauth2' },
      { server_name: 'example.com', ...data },
    ),
  );

describe('MAS default policies', () => {
  it('applies the built-in username rules', () => {
    expect(register('boje')).toBe('');
    expect(register('a.b=c_d/e+f-g')).toBe('');
    expect(register('Boje')).toBe('username contains invalid characters');
    expect(register('boje@example.com')).toBe('username contains invalid characters');
    expect(register('12345')).toBe('username must contain at least one non-numeric character');
    expect(register('')).toBe('username contains invalid characters, username too short');
    expect(register('x'.repeat(250))).toBe('username too long');
  });

  it('applies banned and allowed usernames from policy data', () => {
    const data = { registration: { banned_usernames: { literals: ['admin'], prefixes: ['sys-'] } } };
    expect(register('admin', data)).toBe('username is banned');
    expect(register('sys-x', data)).toBe('username is banned');
    expect(register('alice', { registration: { allowed_usernames: { suffixes: ['-staff'] } } })).toBe(
      'username is not allowed',
    );
  });

  it('grants urn:mas:admin to client_credentials only for policy.data.admin_clients', () => {
    const grant = (clientId: string, scope = 'urn:mas:admin') =>
      formatResult(
        evaluateAuthorizationGrant(
          { scope, grantType: 'client_credentials', clientId },
          { admin_clients: ['01ADMIN'] },
        ),
      );
    expect(grant('01ADMIN')).toBe('');
    expect(grant('01OTHER')).toBe("scope 'urn:mas:admin' not allowed");
    expect(grant('01ADMIN', 'urn:matrix:client:api:*')).toBe("scope 'urn:matrix:client:api:*' not allowed");
  });

  it('checks Matrix device scopes in interactive grants', () => {
    const grant = (scope: string) =>
      formatResult(
        evaluateAuthorizationGrant(
          {
            scope,
            grantType: 'authorization_code',
            clientId: 'c',
            user: { username: 'u', canRequestAdmin: false },
          },
          {},
        ),
      );
    expect(grant('openid urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ')).toBe('');
    expect(grant('urn:matrix:client:device:ABCDEFGHIJ')).toBe(
      'device scopes are only allowed when the client-server API scope is requested',
    );
    expect(grant('urn:matrix:client:api:* urn:synapse:admin:*')).toBe(
      "scope 'urn:synapse:admin:*' not allowed",
    );
  });

  it('checks redirect URIs at dynamic client registration', () => {
    const ok = evaluateClientRegistration(
      {
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1:1234/cb'],
        client_uri: 'https://app.example.com/',
      },
      {},
    );
    expect(ok.violations).toEqual([]);
    const bad = evaluateClientRegistration(
      { redirect_uris: ['http://evil.example/cb'], client_uri: 'https://app.example.com/' },
      {},
    );
    expect(bad.violations[0]).toMatchObject({ msg: 'invalid redirect_uri' });
  });
});
