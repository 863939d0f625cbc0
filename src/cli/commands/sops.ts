import { randomBytes } from 'node:crypto';
import { access, open, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, SsochainError, UsageError } from '../../errors.js';
import {
  decryptSops,
  detectFormat,
  encryptSops,
  findSopsConfig,
  isSopsEncrypted,
  parseRecipientList,
  parseSopsConfig,
  resolveAgeIdentities,
  selectCreationRule,
  type CryptRules,
  type SopsFormat,
} from '../../sops/index.js';
import { parseCommandArgs, type CliIO, type Command } from '../io.js';

const USAGE = `Usage:
  ssochain sops decrypt FILE [--age-key-file F] [--output-type yaml|json]
  ssochain sops encrypt FILE [--age RECIPIENT,...] [--in-place]

Decrypts or encrypts a SOPS file (YAML or JSON) with age keys, compatible with sops 3.x.
FILE may be - for standard input. Plaintext goes to standard output only, never to disk.

decrypt options:
  --age-key-file F     use only the age identities in F; otherwise SOPS_AGE_KEY_FILE,
                       SOPS_AGE_KEY and the sops default keys.txt are all tried
  --output-type T      yaml or json (default: the file's own format)
  --input-type T       yaml or json, when the name does not say
  --ignore-mac         decrypt even if the MAC does not verify (like sops --ignore-mac)

encrypt options:
  --age R,...          age recipients (default: SOPS_AGE_RECIPIENTS, then the first matching
                       creation rule of the nearest .sops.yaml)
  --in-place           replace FILE with its encrypted form (atomically)
  --encrypted-regex R | --unencrypted-regex R | --encrypted-suffix S | --unencrypted-suffix S
                       which values to encrypt (default: the creation rule, else all but keys
                       ending in _unencrypted)
  --mac-only-encrypted the MAC covers encrypted values only
  --input-type T       yaml or json, when the name does not say
`;

// a sops file is configuration, not data: anything bigger is a wrong file
const MAX_BYTES = 16 * 1024 * 1024;

function formatOption(value: string | undefined, flag: string): SopsFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'yaml' && value !== 'json')
    throw new UsageError(`${flag} must be yaml or json, not '${value}'`);
  return value;
}

function readErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot be read (${code ?? 'unknown error'})`;
}

async function readInput(file: string, io: CliIO): Promise<string> {
  let bytes: Buffer;
  if (file === '-') {
    if (!io.readStdin) throw new UsageError('sops: standard input is not available here');
    bytes = await io.readStdin();
  } else {
    try {
      bytes = await readFile(path.resolve(io.cwd, file));
    } catch (err) {
      throw new SsochainError('ERR_INPUT_UNREADABLE', `${file}: ${readErrorReason(err)}`, { cause: err });
    }
  }
  if (bytes.length > MAX_BYTES)
    throw new InputError(`${file}: larger than ${MAX_BYTES / 1024 / 1024} MiB, not a sops file`, file);
  return bytes.toString('utf8');
}

/**
 * Replaces a file through a temporary file in the same directory and a rename, so a reader
 * sees the old file or the new one, never half of one. The temporary file holds only what
 * `content` holds (here: ciphertext) and keeps the original's permissions.
 */
async function writeAtomically(target: string, content: string): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await stat(target)).mode & 0o777;
  } catch {
    // a new file: owner-only is the safe default for a secrets file
  }
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw new InputError(
      `${target}: cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      target,
    );
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function runDecrypt(argv: string[], io: CliIO): Promise<0> {
  const { values, positionals } = parseCommandArgs('sops decrypt', argv, {
    'age-key-file': { type: 'string' },
    'output-type': { type: 'string' },
    'input-type': { type: 'string' },
    'ignore-mac': { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError('sops decrypt takes exactly one FILE (see `ssochain sops --help`)');
  const file = positionals[0]!;
  const outputType = formatOption(values['output-type'], '--output-type');
  const inputType = formatOption(values['input-type'], '--input-type');
  const text = await readInput(file, io);
  const identities = await resolveAgeIdentities({
    env: io.env,
    homedir: io.env.HOME || os.homedir(),
    readFile: (f) => readFile(f, 'utf8'),
    ...(values['age-key-file'] ? { ageKeyFile: path.resolve(io.cwd, values['age-key-file']) } : {}),
  });
  const decrypted = await decryptSops(text, identities, {
    file,
    ...(inputType ? { format: inputType } : {}),
    ignoreMac: values['ignore-mac'] ?? false,
  });
  io.stdout(decrypted.plaintext(outputType ?? decrypted.format));
  return 0;
}

function cryptRulesFromFlags(values: Record<string, string | boolean | undefined>): CryptRules {
  const rules: CryptRules = {};
  const pick = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const encryptedRegex = pick('encrypted-regex');
  const unencryptedRegex = pick('unencrypted-regex');
  const encryptedSuffix = pick('encrypted-suffix');
  const unencryptedSuffix = pick('unencrypted-suffix');
  if (encryptedRegex) rules.encryptedRegex = encryptedRegex;
  if (unencryptedRegex) rules.unencryptedRegex = unencryptedRegex;
  if (encryptedSuffix) rules.encryptedSuffix = encryptedSuffix;
  if (unencryptedSuffix) rules.unencryptedSuffix = unencryptedSuffix;
  return rules;
}

async function runEncrypt(argv: string[], io: CliIO): Promise<0> {
  const { values, positionals } = parseCommandArgs('sops encrypt', argv, {
    age: { type: 'string' },
    'in-place': { type: 'boolean' },
    'input-type': { type: 'string' },
    'encrypted-regex': { type: 'string' },
    'unencrypted-regex': { type: 'string' },
    'encrypted-suffix': { type: 'string' },
    'unencrypted-suffix': { type: 'string' },
    'mac-only-encrypted': { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError('sops encrypt takes exactly one FILE (see `ssochain sops --help`)');
  const file = positionals[0]!;
  if (file === '-' && values['in-place'])
    throw new UsageError('sops encrypt: --in-place needs a file, not standard input');
  const text = await readInput(file, io);
  if (isSopsEncrypted(text)) throw new InputError(`${file}: already encrypted with sops`, file);
  const format =
    formatOption(values['input-type'], '--input-type') ?? detectFormat(file === '-' ? undefined : file, text);

  // flags first, then SOPS_AGE_RECIPIENTS, then .sops.yaml, as sops does
  let recipients = parseRecipientList(values.age ?? io.env.SOPS_AGE_RECIPIENTS ?? '');
  const flagRules = cryptRulesFromFlags(values);
  let rules: CryptRules = flagRules;
  let macOnlyEncrypted = values['mac-only-encrypted'] ?? false;
  const configPath = await findSopsConfig(io.cwd, exists);
  if (configPath) {
    const target = file === '-' ? path.join(io.cwd, 'stdin') : path.resolve(io.cwd, file);
    const rule = selectCreationRule(
      parseSopsConfig(await readFile(configPath, 'utf8'), configPath),
      configPath,
      target,
    );
    if (rule) {
      if (recipients.length === 0) {
        if (rule.age.length === 0 && rule.otherKeyTypes.length > 0) {
          throw new UsageError(
            `${configPath}: the creation rule for ${file} names only ${rule.otherKeyTypes.join(', ')} keys; ssochain encrypts for age only (pass --age)`,
          );
        }
        recipients = rule.age;
      }
      // like sops, each flag overrides the same setting of the rule, not the rule as a whole
      rules = { ...rule.rules, ...flagRules };
      macOnlyEncrypted ||= rule.macOnlyEncrypted;
    }
  }
  if (recipients.length === 0) {
    throw new UsageError(
      `sops encrypt: no age recipients for ${file}; pass --age or add a creation rule to .sops.yaml`,
    );
  }
  const encrypted = await encryptSops(text, { recipients, rules, macOnlyEncrypted, file, format });
  if (values['in-place']) await writeAtomically(path.resolve(io.cwd, file), encrypted);
  else io.stdout(encrypted);
  return 0;
}

const command: Command = {
  name: 'sops',
  summary: 'decrypt or encrypt age-based SOPS files (sops 3.x compatible)',
  usage: USAGE,
  async run(argv, io) {
    const [action, ...rest] = argv;
    if (action === 'decrypt') return runDecrypt(rest, io);
    if (action === 'encrypt') return runEncrypt(rest, io);
    if (action === 'edit')
      throw new UsageError('sops edit is not available yet; use sops decrypt and sops encrypt');
    throw new UsageError(
      action === undefined
        ? 'sops: say decrypt or encrypt (see `ssochain sops --help`)'
        : `sops: unknown action '${action}'; use decrypt or encrypt`,
    );
  },
};
export default command;
