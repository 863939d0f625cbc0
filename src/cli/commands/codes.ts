import { CODES, type FindingCode } from '../../codes/registry.js';
import type { Command } from '../io.js';
import { parseCommandArgs } from '../io.js';

const command: Command = {
  name: 'codes',
  summary: 'list finding codes',
  usage:
    'Usage: ssochain codes [--output text|json]\n\nLists every finding code with its hop, severity, whether ssochain can repair it, and its title.',
  async run(argv, io) {
    const { values } = parseCommandArgs('codes', argv, { output: { type: 'string' } }, false);
    const entries = Object.entries(CODES) as [FindingCode, (typeof CODES)[FindingCode]][];
    if (values.output === 'json') {
      io.stdout(
        JSON.stringify(
          entries.map(([code, m]) => ({ code, ...m })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    const width = Math.max(...entries.map(([c]) => c.length));
    for (const [code, m] of entries) {
      io.stdout(
        `${code.padEnd(width)}  ${m.hop.padEnd(9)} ${m.severity.padEnd(5)} ${m.repairable ? 'R' : ' '}  ${m.title}\n`,
      );
    }
    return 0;
  },
};
export default command;
