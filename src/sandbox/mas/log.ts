import type { LogLine, SandboxLog } from '../log.js';
import { MasError } from './errors.js';

export type MasLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const RANK: Record<MasLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** A field value: plain text, or an error printed as `name=<msg> name.sources=[...]`. */
export type FieldValue = string | number | boolean | MasError;

/**
 * Writes log lines to the sandbox log exactly as MAS's tracing formatter prints them
 * (`crates/context/src/fmt.rs`): `<RFC 3339 time> <LEVEL> <target>:<line> <ctx> - <message> k=v`.
 * The message comes first, then the fields in order; an error value adds `<name>.sources=[...]`.
 */
export class MasLogger {
  private index = 0;

  constructor(
    private readonly log: SandboxLog,
    public level: 'info' | 'debug' = 'info',
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new log context (`GET-12`, `job-provision-user-13`, ...), as MAS tags each request or job. */
  context(tag: string): string {
    return `${tag}-${this.index++}`;
  }

  /** a line MAS prints outside its tracing formatter, e.g. `Error: …` when it refuses to start */
  raw(level: MasLevel, target: string, text: string): LogLine {
    return this.log.write('mas', level, target, text, text);
  }

  write(
    level: MasLevel,
    target: string,
    line: number | undefined,
    message: string | MasError,
    fields: Record<string, FieldValue | undefined> = {},
    ctx?: string,
  ): LogLine | undefined {
    if (RANK[level] < RANK[this.level === 'debug' ? 'DEBUG' : 'INFO']) return undefined;
    let body = formatValue('message', message);
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      body += ` ${key}=${formatValue(key, value)}`;
    }
    const ts = this.now().toISOString().replace(/Z$/, '000Z');
    const where = line === undefined ? target : `${target}:${line}`;
    const text = `${ts} ${level.padStart(5)} ${where} ${ctx ? `${ctx} - ` : ''}${body}`;
    return this.log.write('mas', level, target, body, text);
  }
}

function formatValue(name: string, value: FieldValue): string {
  if (value instanceof MasError) {
    const sources = value.sources;
    return sources.length ? `${value.message} ${name}.sources=[${sources.join(', ')}]` : value.message;
  }
  return String(value);
}
