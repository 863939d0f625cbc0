import { describe, expect, it } from 'vitest';
import { describeValue, isSecretPath } from './secret-values.js';

describe('secret values', () => {
  it.each([
    [['upstream_oauth2', 'providers', 0, 'client_secret'], true],
    [['matrix', 'secret'], true],
    [['secrets', 'encryption'], true],
    [['secrets', 'keys', 0, 'key'], true],
    [['captcha', 'secret_key'], true],
    [['database', 'uri'], true],
    [['telemetry', 'sentry', 'dsn'], true],
    [['email', 'password'], true],
    [['upstream_oauth2', 'providers', 0, 'client_secret_file'], false],
    [['upstream_oauth2', 'providers', 0, 'token_endpoint_auth_method'], false],
    [['captcha', 'site_key'], false],
    [['account', 'password_registration_enabled'], false],
    [['upstream_oauth2', 'providers', 0, 'client_id'], false],
  ] as const)('%j is secret: %s', (path, secret) => {
    expect(isSecretPath([...path])).toBe(secret);
  });

  it('describes a credential by its length only', () => {
    expect(describeValue(['matrix', 'secret'], 'hunter2')).toBe('<redacted, 7 characters>');
    expect(describeValue(['matrix', 'homeserver'], 'example.com')).toBe('"example.com"');
    expect(describeValue(['x'], { a: 1, b: 2 })).toBe('{ a, b }');
    expect(describeValue(['x'], [1])).toBe('[1 item]');
  });
});
