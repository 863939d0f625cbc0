import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, SsochainError } from '../errors.js';
import { generateTestKey, type TestKey } from '../../test/sops/support.js';
import {
  defaultAgeKeyFile,
  describeIdentitySearch,
  parseAgeIdentities,
  resolveAgeIdentities,
} from './identities.js';

/** A pretend file system: path → content; anything else does not exist. */
function fakeFiles(files: Record<string, string>): (file: string) => Promise<string> {
  return async (file) => {
    const content = files[file];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return content;
  };
}

describe('resolveAgeIdentities', () => {
  let a: TestKey;
  let b: TestKey;
  let c: TestKey;
  let d: TestKey;
  beforeAll(async () => {
    [a, b, c, d] = await Promise.all([
      generateTestKey(),
      generateTestKey(),
      generateTestKey(),
      generateTestKey(),
    ]);
  });
  const reveal = (r: { identities: { reveal(): string }[] }): string[] => r.identities.map((i) => i.reveal());

  it('uses an explicit key file alone', async () => {
    const resolved = await resolveAgeIdentities({
      ageKeyFile: '/flag/keys.txt',
      env: { SOPS_AGE_KEY: b.identity, SOPS_AGE_KEY_FILE: '/env/keys.txt' },
      homedir: '/home/u',
      platform: 'linux',
      readFile: fakeFiles({ '/flag/keys.txt': a.keyFile, '/env/keys.txt': c.keyFile }),
    });
    expect(reveal(resolved)).toEqual([a.identity]);
    expect(resolved.sources).toEqual(['--age-key-file /flag/keys.txt']);
  });

  it('otherwise loads SOPS_AGE_KEY_FILE, SOPS_AGE_KEY and the default file, in that order', async () => {
    const resolved = await resolveAgeIdentities({
      env: {
        SOPS_AGE_KEY_FILE: '/env/keys.txt',
        SOPS_AGE_KEY: `# team keys\n${b.identity} ${c.identity}\n\n`,
      },
      homedir: '/home/u',
      platform: 'linux',
      readFile: fakeFiles({ '/env/keys.txt': a.keyFile, '/home/u/.config/sops/age/keys.txt': d.keyFile }),
    });
    expect(reveal(resolved)).toEqual([a.identity, b.identity, c.identity, d.identity]);
    expect(resolved.sources).toEqual([
      'SOPS_AGE_KEY_FILE (/env/keys.txt)',
      'SOPS_AGE_KEY',
      '/home/u/.config/sops/age/keys.txt',
    ]);
  });

  it('reports a configured key file that is missing, and finds nothing without complaint otherwise', async () => {
    const resolved = await resolveAgeIdentities({
      env: { SOPS_AGE_KEY_FILE: '/nope.txt' },
      homedir: '/home/u',
      platform: 'linux',
      readFile: fakeFiles({}),
    });
    expect(resolved.identities).toEqual([]);
    expect(resolved.problems).toEqual(['SOPS_AGE_KEY_FILE (/nope.txt) does not exist']);
    expect(describeIdentitySearch(resolved)).toMatch(
      /looked in .*\/nope\.txt.*\/home\/u\/\.config\/sops\/age\/keys\.txt/,
    );
  });

  it('fails on a missing explicit key file', async () => {
    const attempt = resolveAgeIdentities({
      ageKeyFile: '/x.txt',
      env: {},
      homedir: '/h',
      readFile: fakeFiles({}),
    });
    await expect(attempt).rejects.toBeInstanceOf(SsochainError);
    await expect(attempt).rejects.toThrow(/age key file \/x\.txt does not exist/);
  });
});

describe('defaultAgeKeyFile', () => {
  it('follows XDG_CONFIG_HOME, then the platform config directory', () => {
    expect(defaultAgeKeyFile({ XDG_CONFIG_HOME: '/xdg' }, '/home/u', 'linux')).toBe('/xdg/sops/age/keys.txt');
    expect(defaultAgeKeyFile({}, '/home/u', 'linux')).toBe('/home/u/.config/sops/age/keys.txt');
    expect(defaultAgeKeyFile({}, '/Users/u', 'darwin')).toBe(
      '/Users/u/Library/Application Support/sops/age/keys.txt',
    );
    expect(defaultAgeKeyFile({ XDG_CONFIG_HOME: '/xdg' }, '/Users/u', 'darwin')).toBe(
      '/xdg/sops/age/keys.txt',
    );
    expect(defaultAgeKeyFile({ AppData: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u', 'win32')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\sops\\age\\keys.txt',
    );
    // Go refuses a relative XDG_CONFIG_HOME on Linux, so there is no default file
    expect(defaultAgeKeyFile({ XDG_CONFIG_HOME: 'rel' }, '/home/u', 'linux')).toBeUndefined();
  });
});

describe('parseAgeIdentities', () => {
  it('names the bad line but never prints it', async () => {
    const key = await generateTestKey();
    const text = `# comment\n${key.identity}\nAGE-SECRET-KEY-1NOTAKEY\n`;
    try {
      parseAgeIdentities(text, 'keys.txt', { severalPerLine: false });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe('keys.txt: line 3 is not a valid age identity');
    }
    expect(() => parseAgeIdentities('ssh-ed25519 AAAA', 'k', { severalPerLine: false })).toThrow(
      /line 1 is not an age identity/,
    );
    expect(() => parseAgeIdentities('AGE-PLUGIN-YUBIKEY-1XYZ', 'k', { severalPerLine: false })).toThrow(
      /plugin/,
    );
  });
});
