import { SsochainError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CliIO, Command, ExitCode } from './io.js';

// Each command module is imported only when it runs, so `--version` and `--help` stay fast.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary: 'start the sandbox of a scenario (default: the seed case) and run doctor on it',
    load: async () => (await import('./commands/demo.js')).default,
  },
  doctor: {
    summary: 'find the broken link of a live Authentik -> MAS -> Synapse chain',
    load: async () => (await import('./commands/doctor.js')).default,
  },
  collect: {
    summary: 'write a redacted snapshot of every source, safe to share',
    load: async () => (await import('./commands/collect.js')).default,
  },
  analyze: {
    summary: 'run every check on a snapshot from collect, offline',
    load: async () => (await import('./commands/analyze.js')).default,
  },
  lint: {
    summary: 'offline lint of MAS, Synapse, ESS and SOPS-encrypted config files',
    load: async () => (await import('./commands/lint.js')).default,
  },
  sandbox: {
    summary: 'run the emulated Authentik, MAS and Synapse of a scenario',
    load: async () => (await import('./commands/sandbox.js')).default,
  },
  init: {
    summary: 'discover the chain from a homeserver and write ssochain.yaml',
    load: async () => (await import('./commands/init.js')).default,
  },
  config: {
    summary: 'print the JSON Schema of ssochain.yaml',
    load: async () => (await import('./commands/config.js')).default,
  },
  codes: {
    summary: 'list every finding code with its hop, severity and title',
    load: async () => (await import('./commands/codes.js')).default,
  },
  sops: {
    summary: 'decrypt or encrypt age-based SOPS files',
    load: async () => (await import('./commands/sops.js')).default,
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `ssochain ${VERSION}: find the broken link between Authentik, MAS and Synapse`,
    '',
    'Usage: ssochain <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    '  --help       show help (also after a command)',
    '  --version    print the version',
    '  --debug      show stack traces for errors',
    '',
    'Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<ExitCode> {
  const debug = argv.includes('--debug') || io.env.SSOCHAIN_DEBUG === '1';
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  try {
    if (name === '--version' || name === '-V' || name === 'version') {
      io.stdout(VERSION + '\n');
      return 0;
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(help());
      return name === undefined ? 2 : 0;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      io.stderr(`ssochain: unknown command '${name}'; run \`ssochain --help\` for the list\n`);
      return 2;
    }
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(command.usage.replace(/\n?$/, '\n'));
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof SsochainError) {
      io.stderr(`ssochain: ${err.message}\n`);
      if (debug && err.stack) io.stderr(err.stack + '\n');
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(
      `ssochain: internal error: ${message.split('\n')[0]} (this is a bug; rerun with --debug for details)\n`,
    );
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return 2;
  }
}

export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
