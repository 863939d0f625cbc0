import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { runSectionRulesCheck } from './section-rules.js';

const WHOLE = ['secrets:', '  encryption_file: /e', 'matrix:', '  secret_file: /s'];
const details = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runSectionRulesCheck(view, [view]).map((f) =>
    f.detail
      .replace(/^MAS (refuses to load this config|reads this, but it breaks MAS’s published schema): /, '')
      .split('. ')[0]!
      .replace(/\.$/, ''),
  );
};

describe('mas/section-rules', () => {
  it('applies MAS’s rules to the other sections, with MAS’s sentences', () => {
    const text = readFileSync(
      resolve(import.meta.dirname, '../../../test/fixtures/lint/mas/section-invalid.mas.yaml'),
      'utf8',
    );
    expect(details(text)).toEqual([
      'clients.0.client_id: invalid character',
      'clients.0.client_auth_method: client_secret is required for client_secret_post',
      'http.listeners.0: listener has no resources',
      'passwords: Requires at least one password scheme in the config',
      'secrets.encryption: the encryption key must be 64 hexadecimal characters (32 bytes)',
      'secrets.keys.0: Missing `key` or `key_file`',
      'matrix: Cannot specify both `secret` and `secret_file`',
    ]);
  });

  it('only demands missing secrets of a whole config', () => {
    expect(details(['secrets: {keys_dir: /k}', 'matrix: {homeserver: example.com}'].join('\n'))).toEqual([
      'secrets: Missing `encryption` or `encryption_file`',
      'matrix: Missing `secret` or `secret_file`',
    ]);
    expect(details('matrix: {homeserver: example.com}')).toEqual([]);
  });

  it('checks database, email, captcha, TLS and client auth combinations', () => {
    const text = [
      ...WHOLE,
      'database: {uri: "postgresql://", host: db, ssl_key_file: /k}',
      'email: {transport: smtp, username: u}',
      'captcha: {service: recaptcha_v2}',
      'http:',
      '  public_base: https://x/',
      '  listeners:',
      '    - resources: [{name: human}]',
      '      binds: []',
      '      tls: {certificate: a, certificate_file: b}',
      'clients:',
      '  - client_id: 01J6BZ8ZQH4V8W6X2Y3Z4A5B6C',
      '    client_auth_method: none',
      '    client_secret: x',
      '  - client_id: 01J6BZ8ZQH4V8W6X2Y3Z4A5B6D',
      '    client_auth_method: private_key_jwt',
    ].join('\n');
    expect(details(text)).toEqual([
      'clients.0.client_secret: client_secret is not allowed with none authentication method',
      'clients.1.client_auth_method: jwks or jwks_uri is required for private_key_jwt',
      'http.listeners.0: listener does not bind to any address',
      'http.listeners.0: Only one of `certificate` or `certificate_file` can be set at a time',
      'http.listeners.0: TLS configuration is missing a private key',
      'database: uri must not be specified if host, port, socket, username, password, password_file, or database are specified',
      'database: both a ssl_certificate and a ssl_key must be set at the same time or none of them',
      'email.password: missing field `password`',
      'email.mode: missing field `mode`',
      'email.hostname: missing field `hostname`',
      'captcha.site_key: missing field `site_key`',
      'captcha.secret_key: missing field `secret_key`',
    ]);
  });

  it('skips password rules while password login is disabled, as MAS does', () => {
    expect(details([...WHOLE, 'passwords: {enabled: false, schemes: []}'].join('\n'))).toEqual([]);
  });
});
