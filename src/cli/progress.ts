import pc from 'picocolors';
import type { ProgressEvent } from '../doctor.js';
import type { CliIO } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line live display of the sources while they load, on stderr and only on a terminal
 * (never in pipes, CI logs or JSON output). Returns the event handler and a `done()` that
 * clears the line.
 */
export function createProgress(
  io: CliIO,
  color: boolean,
): { onEvent: (e: ProgressEvent) => void; done: () => void } {
  if (!io.stderrIsTTY) return { onEvent: () => {}, done: () => {} };
  const c = pc.createColors(color);
  const states = new Map<string, { status?: string; ms?: number }>();
  let frame = 0;
  const draw = () => {
    const parts = [...states.entries()].map(([name, s]) => {
      if (s.status === undefined) return `${c.cyan(FRAMES[frame % FRAMES.length]!)} ${name}`;
      const mark = s.status === 'ok' ? c.green('✔') : s.status === 'skipped' ? c.dim('–') : c.red('✘');
      return `${mark} ${name} ${c.dim(`${s.ms ?? 0}ms`)}`;
    });
    io.stderr(`\r\u001b[2K${parts.join(c.dim(' · '))}`);
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, 80);
  timer.unref();
  return {
    onEvent(e) {
      if (e.state === 'start') states.set(e.source, {});
      else if (e.state === 'done') states.set(e.source, { status: e.status ?? 'ok', ms: e.ms ?? 0 });
      draw();
    },
    done() {
      clearInterval(timer);
      io.stderr('\r\u001b[2K');
    },
  };
}
