/**
 * Where the age private keys come from. Inputs are injected (environment, home directory, a
 * file reader, the platform) so the lookup is testable and never touches the real home.
 *
 * Order: an explicit key file (the `--age-key-file` flag) is used alone: the user said which
 * key. Otherwise, like sops, every configured source is loaded and the identities are tried
 * together, in this order: `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY` (several keys, one or more per
 * line, `#` comments), then the sops default file `<user config dir>/sops/age/keys.txt`.
 */
import path from 'node:path';
import { Decrypter } from 'age-encryption';
import { InputError, SsochainError } from '../errors.js';
import { Secret } from '../snapshot/secret.js';

export interface AgeIdentityEnvironment {
  env: Record<string, string | undefined>;
  homedir: string;
  /** rejects with an error whose `code` is 'ENOENT' when the file does not exist */
  readFile: (file: string) => Promise<string>;
  /** defaults to process.platform; decides the default key file location */
  platform?: NodeJS.Platform;
  /** the --age-key-file flag, already resolved against the working directory */
  ageKeyFile?: string;
}

export interface ResolvedAgeIdentities {
  /** the private keys; a Secret never prints */
  identities: Secret[];
  /** where identities were found, in the order they are tried (for messages) */
  sources: string[];
  /** every place looked at (for the "no identity" message) */
  searched: string[];
  /** sources that were configured but unusable, e.g. a SOPS_AGE_KEY_FILE that does not exist */
  problems: string[];
}

const IDENTITY_PREFIXES = ['AGE-SECRET-KEY-1', 'AGE-SECRET-KEY-PQ-1'];

/**
 * Parses age identities from a key file or `SOPS_AGE_KEY`. Blank lines and `#` comments are
 * skipped; `severalPerLine` splits lines on whitespace, as sops does for SOPS_AGE_KEY. The error
 * names the line, never its content.
 */
export function parseAgeIdentities(
  text: string,
  origin: string,
  options: { severalPerLine: boolean },
): Secret[] {
  const identities: Secret[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = options.severalPerLine ? line.split(/\s+/) : [line];
    for (const word of words) {
      if (word.startsWith('AGE-PLUGIN-')) {
        throw new InputError(
          `${origin}: line ${index + 1} is an age plugin identity, which ssochain does not support`,
        );
      }
      if (!IDENTITY_PREFIXES.some((p) => word.startsWith(p))) {
        throw new InputError(`${origin}: line ${index + 1} is not an age identity (AGE-SECRET-KEY-1…)`);
      }
      try {
        // parses the key now, so a typo is reported here and not as "wrong key" later
        new Decrypter().addIdentity(word);
      } catch {
        throw new InputError(`${origin}: line ${index + 1} is not a valid age identity`);
      }
      identities.push(new Secret(word));
    }
  });
  return identities;
}

/**
 * The sops default key file: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else the platform's user
 * config directory (`~/.config` on Linux, `~/Library/Application Support` on macOS,
 * `%AppData%` on Windows), as Go's os.UserConfigDir and sops' macOS XDG override give it.
 */
export function defaultAgeKeyFile(
  env: Record<string, string | undefined>,
  homedir: string,
  platform: NodeJS.Platform,
): string | undefined {
  const joiner = platform === 'win32' ? path.win32 : path.posix;
  const xdg = env.XDG_CONFIG_HOME;
  let configDir: string | undefined;
  if (platform === 'win32') configDir = env.AppData || env.APPDATA;
  else if (xdg && joiner.isAbsolute(xdg)) configDir = xdg;
  else if (!xdg || platform === 'darwin') {
    const home = env.HOME || homedir;
    if (home)
      configDir =
        platform === 'darwin'
          ? joiner.join(home, 'Library', 'Application Support')
          : joiner.join(home, '.config');
  }
  return configDir ? joiner.join(configDir, 'sops', 'age', 'keys.txt') : undefined;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ENOENT';
}

export async function resolveAgeIdentities(options: AgeIdentityEnvironment): Promise<ResolvedAgeIdentities> {
  const result: ResolvedAgeIdentities = { identities: [], sources: [], searched: [], problems: [] };
  const add = (found: Secret[], source: string): void => {
    result.searched.push(source);
    if (found.length === 0) return;
    result.identities.push(...found);
    result.sources.push(source);
  };
  const readKeyFile = async (file: string, source: string): Promise<string | undefined> => {
    try {
      return await options.readFile(file);
    } catch (err) {
      result.searched.push(source);
      result.problems.push(isNotFound(err) ? `${source} does not exist` : `${source} cannot be read`);
      return undefined;
    }
  };

  if (options.ageKeyFile) {
    const source = `--age-key-file ${options.ageKeyFile}`;
    let text: string;
    try {
      text = await options.readFile(options.ageKeyFile);
    } catch (err) {
      throw new SsochainError(
        'ERR_INPUT_UNREADABLE',
        `age key file ${options.ageKeyFile} ${isNotFound(err) ? 'does not exist' : 'cannot be read'}`,
      );
    }
    add(parseAgeIdentities(text, options.ageKeyFile, { severalPerLine: false }), source);
    return result;
  }

  const keyFile = options.env.SOPS_AGE_KEY_FILE;
  if (keyFile) {
    const source = `SOPS_AGE_KEY_FILE (${keyFile})`;
    const text = await readKeyFile(keyFile, source);
    if (text !== undefined)
      add(parseAgeIdentities(text, `SOPS_AGE_KEY_FILE ${keyFile}`, { severalPerLine: false }), source);
  }
  const keyText = options.env.SOPS_AGE_KEY;
  if (keyText !== undefined)
    add(parseAgeIdentities(keyText, 'SOPS_AGE_KEY', { severalPerLine: true }), 'SOPS_AGE_KEY');

  const defaultFile = defaultAgeKeyFile(options.env, options.homedir, options.platform ?? process.platform);
  if (defaultFile) {
    try {
      const text = await options.readFile(defaultFile);
      add(parseAgeIdentities(text, defaultFile, { severalPerLine: false }), defaultFile);
    } catch (err) {
      if (err instanceof SsochainError) throw err;
      result.searched.push(defaultFile);
      // a missing default file is normal; only an unreadable one is worth a word
      if (!isNotFound(err)) result.problems.push(`${defaultFile} cannot be read`);
    }
  }
  return result;
}

/** The "no identity" message: what was searched and what went wrong, never a key. */
export function describeIdentitySearch(
  resolved: Pick<ResolvedAgeIdentities, 'searched' | 'problems'>,
): string {
  const searched = resolved.searched.length
    ? `looked in ${resolved.searched.join(', ')}`
    : 'nothing configured';
  const problems = resolved.problems.length ? `; ${resolved.problems.join('; ')}` : '';
  return `no age identity found (${searched}${problems}); set SOPS_AGE_KEY_FILE or pass --age-key-file`;
}
