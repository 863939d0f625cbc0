import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { findSopsConfig, parseSopsConfig, selectCreationRule } from './creation-rules.js';
import { isSopsEncrypted } from './detect.js';
import { compileGoRegexp } from './go-regexp.js';

const CONFIG = `
creation_rules:
  - path_regex: clusters/.*/secrets/.*\\.yaml$
    encrypted_regex: ^(data|stringData)$
    age: >-
      age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29,
      age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph
  - path_regex: \\.json$
    key_groups:
      - age: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29]
    mac_only_encrypted: true
  - pgp: 85D77543B3D624B63CEA9E6DBC17301B491B3F21
`;

describe('.sops.yaml creation rules', () => {
  const rules = parseSopsConfig(CONFIG, '/repo/.sops.yaml');

  it('reads the common subset', () => {
    expect(rules[0]).toEqual({
      pathRegex: 'clusters/.*/secrets/.*\\.yaml$',
      age: [
        'age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29',
        'age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph',
      ],
      rules: { encryptedRegex: '^(data|stringData)$' },
      macOnlyEncrypted: false,
      otherKeyTypes: [],
    });
    expect(rules[1]).toMatchObject({
      age: ['age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29'],
      macOnlyEncrypted: true,
    });
    expect(rules[2]).toMatchObject({ age: [], otherKeyTypes: ['pgp'] });
  });

  it('picks the first rule matching the path relative to the config directory', () => {
    expect(selectCreationRule(rules, '/repo/.sops.yaml', '/repo/clusters/prod/secrets/mas.yaml')).toBe(
      rules[0],
    );
    expect(selectCreationRule(rules, '/repo/.sops.yaml', '/repo/apps/config.json')).toBe(rules[1]);
    // the catch-all rule without path_regex
    expect(selectCreationRule(rules, '/repo/.sops.yaml', '/repo/apps/values.yaml')).toBe(rules[2]);
  });

  it('refuses what it cannot do, naming the config file', () => {
    expect(() =>
      parseSopsConfig('creation_rules:\n  - key_groups: [{age: [a]}, {age: [b]}]\n', '/r/.sops.yaml'),
    ).toThrow(ConfigError);
    expect(() => parseSopsConfig('creation_rules: {}\n', '/r/.sops.yaml')).toThrow(/must be a list/);
  });

  it('is found from the working directory upwards', async () => {
    const present = new Set(['/repo/.sops.yaml']);
    expect(await findSopsConfig('/repo/clusters/prod', async (f) => present.has(f))).toBe('/repo/.sops.yaml');
    expect(await findSopsConfig('/elsewhere', async (f) => present.has(f))).toBeUndefined();
  });
});

describe('Go regular expressions', () => {
  it('translate leading flags and named groups', () => {
    expect(compileGoRegexp('(?i)^SECRET').test('secret_key')).toBe(true);
    expect(compileGoRegexp('(?P<k>a+)b').exec('aab')?.groups?.k).toBe('aa');
    expect(() => compileGoRegexp('a(?U)b')).toThrow();
  });
});

describe('isSopsEncrypted', () => {
  it('recognises sops YAML, sops JSON and parsed sops data', () => {
    expect(isSopsEncrypted('a: ENC[x]\nsops:\n  lastmodified: "2024-01-01T00:00:00Z"\n  mac: ENC[y]\n')).toBe(
      true,
    );
    expect(isSopsEncrypted('{\n\t"a": 1,\n\t"sops": {\n\t\t"mac": "ENC[y]"\n\t}\n}')).toBe(true);
    expect(isSopsEncrypted({ a: 1, sops: { mac: 'ENC[y]', lastmodified: 'x' } })).toBe(true);
  });
  it('does not take a plain file, or a nested sops key, for one', () => {
    expect(isSopsEncrypted('a: 1\nmac: 2\n')).toBe(false);
    expect(isSopsEncrypted('tools:\n  sops:\n    mac: x\n')).toBe(false);
    expect(isSopsEncrypted({ sops: 'yes' })).toBe(false);
    expect(isSopsEncrypted(null)).toBe(false);
  });
});
