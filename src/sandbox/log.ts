export interface LogLine {
  at: string;
  service: string;
  level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** e.g. the Rust module path MAS logs under, or the Python logger name for Synapse */
  target: string;
  message: string;
  /** the line as the real service would print it */
  text: string;
}

/** In-memory log of every emulated service, bounded so a long `sandbox up` cannot grow forever. */
export class SandboxLog {
  private readonly lines: LogLine[] = [];
  constructor(
    private readonly limit = 10_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  write(service: string, level: LogLine['level'], target: string, message: string, text?: string): LogLine {
    const at = this.now().toISOString();
    const line: LogLine = {
      at,
      service,
      level,
      target,
      message,
      text: text ?? `${at} ${level.padStart(5)} ${target}: ${message}`,
    };
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    return line;
  }

  read(service?: string): LogLine[] {
    return service ? this.lines.filter((l) => l.service === service) : [...this.lines];
  }
}
