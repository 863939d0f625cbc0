import { writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { bundleJson, runDoctor } from '../../doctor.js';
import { UsageError } from '../../errors.js';
import { sopsAdapterFor } from '../../sources/files/sops-adapter.js';
import { parseCommandArgs, useColor, type Command } from '../io.js';
import { createProgress } from '../progress.js';
import { parsePositiveInt } from './doctor.js';

const USAGE = `Usage: ssochain collect -o BUNDLE [options]

Gathers everything doctor sees into one JSON file that is safe to post publicly: secrets are
replaced by short fingerprints (so a mismatch still shows), tokens and passwords never enter
it. \`ssochain analyze BUNDLE\` gives the same report from it, offline.

Options:
  -o, --output-file F   where to write the bundle (- for standard output)
  --config F            ssochain.yaml
  --user NAME           focus on one user
  --concurrency N       most requests in flight at once
  --age-key-file F      age identities for a SOPS-encrypted MAS config
`;

const command: Command = {
  name: 'collect',
  summary: 'write a redacted snapshot of every source',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'collect',
      argv,
      {
        'output-file': { type: 'string', short: 'o' },
        config: { type: 'string' },
        user: { type: 'string' },
        concurrency: { type: 'string' },
        'age-key-file': { type: 'string' },
      },
      false,
    );
    const out = values['output-file'];
    if (!out) throw new UsageError('collect: name the bundle file with -o (or -o - for standard output)');
    const concurrency = parsePositiveInt('--concurrency', values.concurrency);
    const { config, provenance } = loadConfig({
      flag: values.config,
      env: io.env,
      cwd: io.cwd,
      home: io.env.HOME,
    });
    const progress = createProgress(io, useColor({ ...io, stdoutIsTTY: Boolean(io.stderrIsTTY) }));
    try {
      const { snapshot } = await runDoctor({
        config,
        env: io.env,
        configDir: provenance.path ? path.dirname(provenance.path) : io.cwd,
        ...(concurrency ? { concurrency } : {}),
        ...(values.user ? { user: values.user } : {}),
        sops: sopsAdapterFor({ ageKeyFile: values['age-key-file'], env: io.env, cwd: io.cwd }),
        progress: progress.onEvent,
      });
      progress.done();
      const text = bundleJson(snapshot);
      if (out === '-') io.stdout(text);
      else {
        const file = path.resolve(io.cwd, out);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, text, { mode: 0o644 });
        renameSync(tmp, file);
        io.stderr(`wrote ${out} (${text.length} bytes); analyse it with: ssochain analyze ${out}\n`);
      }
      return 0;
    } finally {
      progress.done();
    }
  },
};
export default command;
