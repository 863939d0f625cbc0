import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMap, isScalar, Scalar, type YAMLMap } from 'yaml';
import { SopsError, InputError } from '../errors.js';
import { isSecret } from '../snapshot/secret.js';
import { generateTestKey, readTestdata, testdataFiles, type TestKey } from '../../test/sops/support.js';
import {
  decryptSops,
  decryptYamlDocument,
  encryptSops,
  encryptSopsDocuments,
  parseAgeIdentities,
  parseSopsText,
  reencryptSops,
  type DecryptedSopsFile,
} from './index.js';

const NOW = new Date('2026-01-02T03:04:05.678Z');

async function rejection(promise: Promise<unknown>): Promise<SopsError | InputError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SopsError || err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** Replaces the first occurrence of `from` in the text, failing if it is absent. */
function tamper(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

function encValueOf(text: string, key: string): string {
  const match = new RegExp(`^\\s*${key}: (ENC\\[[^\\]]+\\])`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no encrypted value for ${key}`);
  return match[1];
}

describe('the real sops files in shared/testdata/sops', () => {
  const { sopsFiles, keyFiles } = testdataFiles();
  const keys = keyFiles.map((name) => ({
    name,
    identities: parseAgeIdentities(readTestdata(name), name, { severalPerLine: false }),
  }));

  it('are there to test against', () => {
    expect(sopsFiles.length).toBeGreaterThanOrEqual(4);
    expect(keys.length).toBeGreaterThanOrEqual(2);
  });

  it.each(sopsFiles)('%s decrypts and verifies its MAC with exactly one of the key files', async (name) => {
    const text = readTestdata(name);
    const results = await Promise.allSettled(
      keys.map((k) => decryptSops(text, k.identities, { file: name })),
    );
    const opened = results.flatMap((r, i) =>
      r.status === 'fulfilled' ? [{ key: keys[i]!.name, file: r.value }] : [],
    );
    expect(opened.map((o) => o.key)).toHaveLength(1);
    const decrypted = opened[0]!.file;
    expect(decrypted.macVerified).toBe(true);
    // the clear parts stay as they were; the encrypted one opens to a string
    expect(decrypted.data).toMatchObject({ apiVersion: 'v1', kind: 'Secret' });
    const stringData = (decrypted.data as { stringData: Record<string, unknown> }).stringData;
    for (const value of Object.values(stringData)) expect(typeof value).toBe('string');
    // every other key fails with the "wrong key" error, not a MAC error
    for (const failure of results.filter((r) => r.status === 'rejected')) {
      expect((failure.reason as SopsError).code).toBe('ERR_SOPS_DECRYPT');
    }
  });

  it('gives the values sops put in (checked against the known plaintext of the Flux vectors)', async () => {
    const ids = keys.find((k) => k.name === 'keys-age.txt')!.identities;
    const decrypted = await decryptSops(readTestdata('algorithms-age.yaml'), ids, {
      file: 'algorithms-age.yaml',
    });
    expect(decrypted.data).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'age' },
      stringData: { key: 'value' },
    });
  });

  it('re-encrypts an unedited file to the same values: only the sops bookkeeping lines change', async () => {
    const ids = keys.find((k) => k.name === 'keys-age-global.txt')!.identities;
    const original = readTestdata('global-secret.yaml');
    const decrypted = await decryptSops(original, ids, { file: 'global-secret.yaml' });
    const again = await reencryptSops(decrypted, { now: NOW });
    const changed = again.split('\n').filter((line, i) => line !== original.split('\n')[i]);
    expect(changed.map((l) => l.trim().split(':')[0])).toEqual(['lastmodified', 'mac']);
    expect(again).toContain('lastmodified: "2026-01-02T03:04:05Z"');
    await expect(decryptSops(again, ids, { file: 'again.yaml' })).resolves.toBeDefined();
  });
});

describe('integrity', () => {
  let key: TestKey;
  let text: string;
  const plain = [
    '# a Secret the way Flux users keep them',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: mas-config',
    'stringData:',
    '  client_secret: s3cr3t-value',
    '  other: second-value',
    '',
  ].join('\n');

  beforeAll(async () => {
    key = await generateTestKey();
    text = await encryptSops(plain, {
      recipients: [key.recipient],
      rules: { encryptedRegex: '^(data|stringData)$' },
      file: 'secret.yaml',
      now: NOW,
    });
  });

  it('accepts the untouched file', async () => {
    const decrypted = await decryptSops(text, [key.identity], { file: 'secret.yaml' });
    expect((decrypted.data as { stringData: unknown }).stringData).toEqual({
      client_secret: 's3cr3t-value',
      other: 'second-value',
    });
  });

  it('rejects a changed clear value with ERR_SOPS_MAC', async () => {
    const err = await rejection(decryptSops(tamper(text, 'name: mas-config', 'name: evil'), [key.identity]));
    expect(err.code).toBe('ERR_SOPS_MAC');
    expect(err.message).toMatch(/MAC mismatch/);
  });

  it('rejects a changed ciphertext with ERR_SOPS_MAC, naming the key and line', async () => {
    const enc = encValueOf(text, 'client_secret');
    const data = /data:([^,]+)/.exec(enc)![1]!;
    const flipped = (data[0] === 'A' ? 'B' : 'A') + data.slice(1);
    const err = await rejection(
      decryptSops(tamper(text, `data:${data}`, `data:${flipped}`), [key.identity], { file: 'secret.yaml' }),
    );
    expect(err.code).toBe('ERR_SOPS_MAC');
    expect(err.message).toMatch(/^secret\.yaml:\d+: .*stringData\.client_secret/);
  });

  it('rejects a value moved to another key (the key path is bound to it) with ERR_SOPS_MAC', async () => {
    const a = encValueOf(text, 'client_secret');
    const b = encValueOf(text, 'other');
    const swapped = text.replace(a, '@A@').replace(b, a).replace('@A@', b);
    expect((await rejection(decryptSops(swapped, [key.identity]))).code).toBe('ERR_SOPS_MAC');
  });

  it('rejects a plaintext value where ciphertext belongs with ERR_SOPS_MAC', async () => {
    const err = await rejection(
      decryptSops(tamper(text, encValueOf(text, 'other'), 'plain'), [key.identity]),
    );
    expect(err.code).toBe('ERR_SOPS_MAC');
    expect(err.message).toMatch(/edited without sops/);
  });

  it('rejects a changed MAC and a changed lastmodified with ERR_SOPS_MAC', async () => {
    const mac = /mac: ENC\[AES256_GCM,data:([^,]+)/.exec(text)![1]!;
    const badMac = tamper(text, mac, mac.slice(0, -4) + (mac.endsWith('AAAA') ? 'BBBB' : 'AAAA'));
    expect((await rejection(decryptSops(badMac, [key.identity]))).code).toBe('ERR_SOPS_MAC');
    const badTime = tamper(text, '2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z');
    expect((await rejection(decryptSops(badTime, [key.identity]))).code).toBe('ERR_SOPS_MAC');
  });

  it('still opens a file with a bad MAC when asked to ignore it, and says so', async () => {
    const decrypted = await decryptSops(tamper(text, 'name: mas-config', 'name: evil'), [key.identity], {
      ignoreMac: true,
    });
    expect(decrypted.macVerified).toBe(false);
  });

  it('rejects a wrong key with ERR_SOPS_DECRYPT and no identity at all with ERR_SOPS_NO_IDENTITY', async () => {
    const stranger = await generateTestKey();
    const wrong = await rejection(decryptSops(text, [stranger.identity], { file: 'secret.yaml' }));
    expect(wrong.code).toBe('ERR_SOPS_DECRYPT');
    expect(wrong.message).toContain(key.recipient);
    expect(wrong.message).not.toContain(stranger.identity);
    const none = await rejection(
      decryptSops(text, { identities: [], sources: [], searched: ['SOPS_AGE_KEY'], problems: [] }),
    );
    expect(none.code).toBe('ERR_SOPS_NO_IDENTITY');
  });

  it('refuses a malformed identity without echoing it', async () => {
    const err = await rejection(decryptSops(text, ['AGE-SECRET-KEY-1BROKENKEYMATERIAL']));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).not.toContain('BROKENKEYMATERIAL');
  });

  it('never puts plaintext or keys into error messages', async () => {
    const errors = await Promise.all([
      rejection(decryptSops(tamper(text, 'name: mas-config', 'name: evil'), [key.identity])),
      rejection(decryptSops(text, [(await generateTestKey()).identity])),
    ]);
    for (const err of errors) {
      expect(err.message).not.toMatch(/s3cr3t|second-value|AGE-SECRET-KEY/);
    }
  });

  it('refuses text that is not a sops file, with the file name', async () => {
    const err = await rejection(decryptSops(plain, [key.identity], { file: 'plain.yaml' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^plain\.yaml: not a sops-encrypted file/);
    const broken = await rejection(decryptSops('a: b: c\n', [key.identity], { file: 'broken.yaml' }));
    expect(broken.message).toMatch(/^broken\.yaml:1: invalid YAML/);
  });
});

describe('value types', () => {
  let key: TestKey;
  beforeAll(async () => {
    key = await generateTestKey();
  });

  it('round-trips str, int, float, bool, null, big integers and empty strings', async () => {
    const plain = [
      'str: hello',
      'quoted: "123"',
      'int: 42',
      'negative: -7',
      'big: 9007199254740993',
      'float: 1.5',
      'whole_float: 2.0',
      'tiny: 1.0e-7',
      'yes_is_a_string: yes',
      'bool: true',
      'off: false',
      'nothing: null',
      'empty: ""',
      'multiline: |',
      '  line one',
      '  line two',
      'list: [1, two, 3.5, false]',
      '',
    ].join('\n');
    const encrypted = await encryptSops(plain, { recipients: [key.recipient], file: 'types.yaml' });
    expect(encrypted).toMatch(/int: ENC\[AES256_GCM,[^\]]*type:int\]/);
    expect(encrypted).toMatch(/whole_float: ENC\[AES256_GCM,[^\]]*type:float\]/);
    expect(encrypted).toMatch(/bool: ENC\[AES256_GCM,[^\]]*type:bool\]/);
    expect(encrypted).toMatch(/quoted: ENC\[AES256_GCM,[^\]]*type:str\]/);
    // sops leaves empty strings and nulls as they are
    expect(encrypted).toMatch(/empty: ""/);
    expect(encrypted).toMatch(/nothing: null/);
    const decrypted = await decryptSops(encrypted, [key.identity], { file: 'types.yaml' });
    expect(decrypted.data).toEqual({
      str: 'hello',
      quoted: '123',
      int: 42,
      negative: -7,
      big: 9007199254740993n,
      float: 1.5,
      whole_float: 2,
      tiny: 1e-7,
      yes_is_a_string: 'yes',
      bool: true,
      off: false,
      nothing: null,
      empty: '',
      multiline: 'line one\nline two\n',
      list: [1, 'two', 3.5, false],
    });
    // the plaintext reads back as the same types, a whole float included
    const plaintext = decrypted.plaintext();
    expect(plaintext).toContain('whole_float: 2.0');
    expect(plaintext).toContain('quoted: "123"');
  });

  it('reads numbers the way sops (Go) does, not the way the yaml package does', async () => {
    const plain = 'underscored: 1_000\noctal: 010\nhex: 0x1F\ndate: 2024-01-01\n';
    const encrypted = await encryptSops(plain, { recipients: [key.recipient], file: 'go.yaml' });
    const decrypted = await decryptSops(encrypted, [key.identity]);
    expect(decrypted.data).toEqual({ underscored: 1000, octal: 8, hex: 31, date: '2024-01-01' });
  });

  it('quotes strings Go would misread when writing clear values', async () => {
    const parsed = parseSopsText('keep_unencrypted: placeholder\n', { file: 'q.yaml' });
    parsed.documents[0]!.set('keep_unencrypted', '1_000');
    const encrypted = await encryptSopsDocuments(parsed.documents, {
      recipients: [key.recipient],
      style: parsed.style,
      file: 'q.yaml',
    });
    expect(encrypted).toContain('keep_unencrypted: "1_000"');
    const decrypted = await decryptSops(encrypted, [key.identity]);
    expect(decrypted.data).toEqual({ keep_unencrypted: '1_000' });
  });

  it('round-trips bytes and keeps a whole float a float through an edit', async () => {
    const parsed = parseSopsText('blob: x\nratio: 3.0\n');
    parsed.documents[0]!.set('blob', new Scalar(new TextEncoder().encode('raw bytes')));
    const encrypted = await encryptSopsDocuments(parsed.documents, {
      recipients: [key.recipient],
      style: parsed.style,
    });
    expect(encrypted).toMatch(/blob: ENC\[[^\]]*type:bytes\]/);
    const decrypted = await decryptSops(encrypted, [key.identity]);
    expect((decrypted.data as { blob: Uint8Array }).blob).toEqual(new TextEncoder().encode('raw bytes'));
    const again = await reencryptSops(decrypted);
    expect(again).toMatch(/ratio: ENC\[[^\]]*type:float\]/);
  });
});

describe('which values are encrypted', () => {
  let key: TestKey;
  const plain = [
    'apiVersion: v1',
    'data:',
    '  password: hunter2',
    '  port: 5432',
    'nested:',
    '  token_unencrypted: visible',
    '  deeper:',
    '    secret: hidden',
    'list:',
    '  - name: first',
    '    password_enc: sealed',
    '',
  ].join('\n');

  beforeAll(async () => {
    key = await generateTestKey();
  });

  async function sealed(rules: Parameters<typeof encryptSops>[1]['rules'], macOnlyEncrypted = false) {
    const text = await encryptSops(plain, {
      recipients: [key.recipient],
      rules,
      macOnlyEncrypted,
      file: 'r.yaml',
    });
    const decrypted = await decryptSops(text, [key.identity]);
    expect(decrypted.data).toEqual(
      (await decryptSops(await encryptSops(plain, { recipients: [key.recipient] }), [key.identity])).data,
    );
    const clear = (name: string): boolean => new RegExp(`^\\s*(- )?${name}: (?!ENC\\[)`, 'm').test(text);
    return { text, clear, decrypted };
  }

  it('encrypts everything but keys ending in _unencrypted by default, and records that rule', async () => {
    const { text, clear } = await sealed(undefined);
    expect(clear('token_unencrypted')).toBe(true);
    for (const name of ['apiVersion', 'password', 'port', 'secret', 'name', 'password_enc'])
      expect(clear(name)).toBe(false);
    expect(text).toContain('unencrypted_suffix: _unencrypted');
  });

  it('encrypted_regex encrypts values under any matching key (searched, not anchored)', async () => {
    const { text, clear } = await sealed({ encryptedRegex: '^(data|stringData)$' });
    expect(clear('password')).toBe(false);
    expect(clear('port')).toBe(false);
    for (const name of ['apiVersion', 'token_unencrypted', 'secret', 'name', 'password_enc'])
      expect(clear(name)).toBe(true);
    expect(text).toContain('encrypted_regex: ^(data|stringData)$');
    expect(text).not.toContain('unencrypted_suffix');
  });

  it('unencrypted_suffix, encrypted_suffix and unencrypted_regex', async () => {
    const suffix = await sealed({ unencryptedSuffix: '_unencrypted' });
    expect(suffix.clear('token_unencrypted')).toBe(true);
    expect(suffix.clear('secret')).toBe(false);

    const encSuffix = await sealed({ encryptedSuffix: '_enc' });
    expect(encSuffix.clear('password_enc')).toBe(false);
    expect(encSuffix.clear('password')).toBe(true);

    const unencRegex = await sealed({ unencryptedRegex: '^(apiVersion|nested)$' });
    expect(unencRegex.clear('apiVersion')).toBe(true);
    expect(unencRegex.clear('secret')).toBe(true);
    expect(unencRegex.clear('password')).toBe(false);
  });

  it('mac_only_encrypted: clear values may change without breaking the MAC, encrypted ones may not', async () => {
    const { text } = await sealed({ encryptedRegex: '^data$' }, true);
    expect(text).toContain('mac_only_encrypted: true');
    const edited = tamper(text, 'apiVersion: v1', 'apiVersion: v2');
    await expect(decryptSops(edited, [key.identity])).resolves.toBeDefined();
    const full = await sealed({ encryptedRegex: '^data$' }, false);
    expect(
      (await rejection(decryptSops(tamper(full.text, 'apiVersion: v1', 'apiVersion: v2'), [key.identity])))
        .code,
    ).toBe('ERR_SOPS_MAC');
  });

  it('refuses more than one rule', async () => {
    await expect(
      encryptSops(plain, {
        recipients: [key.recipient],
        rules: { encryptedRegex: 'a', encryptedSuffix: 'b' },
      }),
    ).rejects.toThrow(/at most one/);
  });
});

describe('editing and re-encrypting', () => {
  let key: TestKey;
  let second: TestKey;
  let original: string;
  let decrypted: DecryptedSopsFile;
  const plain = [
    '# MAS configuration for the matrix stack',
    'http:',
    '  public_base: https://auth.example.org/ # where clients reach MAS',
    'upstream_oauth2:',
    '  providers:',
    '    # Authentik',
    '    - id: 01JABCDEFGHJKMNPQRSTVWXYZ0',
    '      client_id: matrix',
    '      client_secret: first-secret',
    '      scope: openid profile email',
    'secrets:',
    '  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff',
    '',
  ].join('\n');

  beforeAll(async () => {
    key = await generateTestKey();
    second = await generateTestKey();
    original = await encryptSops(plain, {
      recipients: [key.recipient, second.recipient],
      rules: { encryptedRegex: '^(client_secret|encryption)$' },
      file: 'mas.yaml',
      now: NOW,
    });
    decrypted = await decryptYamlDocument(original, [second.identity], { file: 'mas.yaml' });
  });

  it('gives the plaintext with its comments, and the encrypted Document with positions', () => {
    const text = decrypted.plaintext();
    expect(text).toContain('# MAS configuration for the matrix stack');
    expect(text).toContain('# Authentik');
    expect(text).toContain('client_secret: first-secret');
    expect(decrypted.locate(['upstream_oauth2', 'providers', 0, 'client_secret'])).toEqual({
      line: 9,
      column: 7,
    });
    expect(decrypted.locate(['secrets', 'encryption'], 'value')).toEqual({ line: 12, column: 15 });
    const node = decrypted.document.getIn(
      ['upstream_oauth2', 'providers', 0, 'client_secret'],
      true,
    ) as Scalar;
    expect(String(node.value)).toMatch(/^ENC\[/);
    expect(decrypted.lineCounter.linePos(node.range![0]).line).toBe(9);
  });

  it('keeps comments, order, clear values and recipients, and changes only the edited value', async () => {
    const doc = decrypted.documents[0]!.plain;
    doc.setIn(['upstream_oauth2', 'providers', 0, 'client_secret'], 'second-secret');
    const edited = await reencryptSops(decrypted, { now: new Date('2026-02-03T04:05:06Z') });
    const before = original.split('\n');
    const after = edited.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [line.trim().split(':')[0]]));
    expect(changed).toEqual(['client_secret', 'lastmodified', 'mac']);
    // both recipients can still open it, and the edit is there
    for (const identity of [key.identity, second.identity]) {
      const reopened = await decryptSops(edited, [identity]);
      expect(reopened.data).toMatchObject({
        upstream_oauth2: { providers: [{ client_secret: 'second-secret' }] },
      });
      expect(reopened.plaintext()).toContain('# where clients reach MAS');
    }
    // the encrypted file says nothing in clear of either secret
    expect(edited).not.toMatch(/first-secret|second-secret/);
  });

  it('encrypts a new comment under an encrypted key, and keeps comments elsewhere readable', async () => {
    const text = await encryptSops('outer: 1 # plain remark\nsecret_box:\n  # hidden remark\n  pin: 1234\n', {
      recipients: [key.recipient],
      rules: { encryptedRegex: '^secret_box$' },
    });
    expect(text).toContain('# plain remark');
    expect(text).not.toContain('hidden remark');
    expect(text).toMatch(/#ENC\[AES256_GCM,[^\]]*type:comment\]/);
    const reopened = await decryptSops(text, [key.identity]);
    expect(reopened.plaintext()).toContain('# hidden remark');
  });

  it('refuses a file that is not its own', async () => {
    await expect(reencryptSops({} as DecryptedSopsFile)).rejects.toThrow(/decryptSops/);
  });
});

describe('other shapes', () => {
  let key: TestKey;
  beforeAll(async () => {
    key = await generateTestKey();
  });

  it('JSON: encrypts, keeps the indentation and decrypts', async () => {
    const plain =
      '{\n  "db": {\n    "password": "pw",\n    "port": 5432,\n    "ratio": 1.0\n  },\n  "tags": ["a", "b"]\n}\n';
    const text = await encryptSops(plain, { recipients: [key.recipient], file: 'c.json' });
    expect(() => JSON.parse(text)).not.toThrow();
    const json = JSON.parse(text) as { sops: Record<string, unknown>; db: { password: string } };
    expect(json.db.password).toMatch(/^ENC\[AES256_GCM,.*type:str\]$/);
    expect(Object.keys(json.sops)).toEqual(['age', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    expect(text).toMatch(/^ {2}"db": \{$/m);
    const decrypted = await decryptSops(text, [key.identity], { file: 'c.json' });
    expect(decrypted.data).toEqual({ db: { password: 'pw', port: 5432, ratio: 1 }, tags: ['a', 'b'] });
    expect(JSON.parse(decrypted.plaintext())).toEqual(decrypted.data);
    expect(decrypted.plaintext('yaml')).toContain('password: pw');
  });

  it('multi-document YAML: every document gets the sops block; one MAC covers them all', async () => {
    const text = await encryptSops('a: 1\n---\nb: 2\n', { recipients: [key.recipient] });
    expect(text.match(/^sops:$/gm)).toHaveLength(2);
    const decrypted = await decryptSops(text, [key.identity]);
    expect(decrypted.documents.map((d) => d.data)).toEqual([{ a: 1 }, { b: 2 }]);
    const [first, second] = text.split(/^---\n/m);
    const swapped = `${second}---\n${first}`;
    expect((await rejection(decryptSops(swapped, [key.identity]))).code).toBe('ERR_SOPS_MAC');
  });

  it('expands aliases, as sops does, so each copy is bound to its own key', async () => {
    const text = await encryptSops('base: &b\n  pw: shared\ncopy: *b\n', { recipients: [key.recipient] });
    expect(text).not.toContain('*b');
    const decrypted = await decryptSops(text, [key.identity]);
    expect(decrypted.data).toEqual({ base: { pw: 'shared' }, copy: { pw: 'shared' } });
  });

  it('refuses to encrypt twice and refuses keys sops cannot take', async () => {
    const once = await encryptSops('a: 1\n', { recipients: [key.recipient] });
    await expect(encryptSops(once, { recipients: [key.recipient] })).rejects.toThrow(/already/);
    await expect(
      encryptSops('8080: port\n', { recipients: [key.recipient], file: 'k.yaml' }),
    ).rejects.toThrow(/^k\.yaml:1: key 8080 .* not a string/);
  });

  it('writes the metadata layout of sops 3.10 for new files', async () => {
    const text = await encryptSops('a: 1\n', { recipients: [key.recipient], now: NOW });
    const decrypted = await decryptSops(text, [key.identity]);
    const sops = decrypted.document.get('sops') as YAMLMap;
    expect(isMap(sops)).toBe(true);
    expect(sops.items.map((p) => (isScalar(p.key) ? p.key.value : undefined))).toEqual([
      'age',
      'lastmodified',
      'mac',
      'unencrypted_suffix',
      'version',
    ]);
    expect(text).toContain('lastmodified: "2026-01-02T03:04:05Z"');
    expect(text).toMatch(/^ {10}enc: \|\n {14}-----BEGIN AGE ENCRYPTED FILE-----\n/m);
    expect(text).toMatch(/^ {4}version: 3\.10\.2$/m);
  });
});

describe('handing plaintext to callers', () => {
  it('wraps the values that were encrypted in Secret, and hides plaintext from JSON and inspect', async () => {
    const key = await generateTestKey();
    const text = await encryptSops('name: public\ndata:\n  token: tok-123\n  count: 3\n', {
      recipients: [key.recipient],
      rules: { encryptedRegex: '^data$' },
    });
    const decrypted = await decryptSops(text, [key.identity]);
    const data = decrypted.secretData() as { name: string; data: { token: unknown; count: unknown } };
    expect(data.name).toBe('public');
    expect(isSecret(data.data.token)).toBe(true);
    expect(data.data.count).toBe(3);
    expect(JSON.stringify(decrypted)).not.toContain('tok-123');
    expect(inspect(decrypted)).not.toContain('tok-123');
    expect(decrypted.documents[0]!.encryptedPaths).toEqual([
      ['data', 'token'],
      ['data', 'count'],
    ]);
  });
});
