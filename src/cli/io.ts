import { parseArgs, type ParseArgsConfig } from 'node:util';

type ArgOptions = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from '../errors.js';
import { isOutputFormat, type OutputFormat, type RenderContext } from '../report/render.js';
import { FAIL_ON_VALUES, type FailOn } from '../diagnosis/build-report.js';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  stdoutIsTTY: boolean;
  /** true when stderr is a terminal: the live progress display goes there */
  stderrIsTTY?: boolean;
  readStdin?: () => Promise<Buffer>;
}

export type ExitCode = 0 | 1 | 2;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIO): Promise<ExitCode>;
}

/** Runs node's parseArgs and turns its TypeErrors into one-line usage errors. */
export function parseCommandArgs<T extends ArgOptions>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = true,
): {
  values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
} {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${command}: ${message} (see \`ssochain ${command} --help\`)`);
  }
}

export function outputFormat(value: string | undefined, io: CliIO, allowed: readonly string[]): OutputFormat {
  const format = value ?? 'text';
  if (!isOutputFormat(format) || !allowed.includes(format)) {
    throw new UsageError(`unknown output format '${format}'; use one of: ${allowed.join(', ')}`);
  }
  void io;
  return format;
}

export function failOn(value: string | undefined): FailOn {
  const v = (value ?? 'error') as FailOn;
  if (!FAIL_ON_VALUES.includes(v))
    throw new UsageError(`--fail-on must be one of ${FAIL_ON_VALUES.join(', ')}, not '${value}'`);
  return v;
}

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org), FORCE_COLOR wins. */
export function useColor(io: CliIO, flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return io.stdoutIsTTY;
}

export function renderContext(io: CliIO, color?: boolean): RenderContext {
  return { color: useColor(io, color), cwd: io.cwd };
}
