import type { LogLine, SandboxLog } from '../log.js';

type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

const SANDBOX_LEVEL: Record<Level, LogLine['level']> = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARNING: 'WARN',
  ERROR: 'ERROR',
  CRITICAL: 'ERROR',
};

/** `2026-11-28 10:35:43,017` — Python logging's default asctime */
function asctime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())},${p(d.getUTCMilliseconds(), 3)}`;
}

/**
 * Writes Synapse's log lines into the sandbox log, in the layout of the log config that
 * Synapse generates (`%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s`).
 * Logger names and line numbers are those of Synapse 1.160 where the line was checked against it.
 */
export class SynapseLogger {
  private requestCounter = 0;

  constructor(
    private readonly log: SandboxLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Synapse names request contexts `GET-12`; the emulator numbers them the same way. */
  nextRequestId(method: string): string {
    return `${method}-${this.requestCounter++}`;
  }

  write(level: Level, logger: string, lineno: number, request: string, message: string): void {
    const text = `${asctime(this.now())} - ${logger} - ${lineno} - ${level} - ${request} - ${message}`;
    this.log.write('synapse', SANDBOX_LEVEL[level], logger, message, text);
  }

  /** What Synapse prints to stderr when its config is refused (before logging is set up). */
  stderr(text: string): void {
    for (const line of text.split('\n')) this.log.write('synapse', 'ERROR', 'stderr', line, line);
  }
}
