import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { exitCodeFor } from '../../diagnosis/build-report.js';
import { runDoctor } from '../../doctor.js';
import { UsageError } from '../../errors.js';
import { render } from '../../report/render.js';
import { sopsAdapterFor } from '../../sources/files/sops-adapter.js';
import { failOn, outputFormat, parseCommandArgs, renderContext, useColor, type Command } from '../io.js';
import { createProgress } from '../progress.js';

const USAGE = `Usage: ssochain doctor [options]

Asks Authentik, MAS (config and admin API), the OIDC discovery MAS would use, and Synapse, all at
once, then names the first broken link of the chain with the evidence and the fix. Read-only.

Options:
  --config F          ssochain.yaml (else SSOCHAIN_CONFIG, ./ssochain.yaml, ~/.config/ssochain/config.yaml)
  --user NAME         focus on one user (access, claims, MAS and Synapse accounts)
  --output FMT        text (default), json, markdown or html
  --fail-on LEVEL     error (default), warn, info or never
  --concurrency N     most requests in flight at once (default: the config's, 8)
  --timeout MS        per-request timeout (default: the config's, 5000)
  --age-key-file F    age identities for a SOPS-encrypted MAS config
`;

export function parsePositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${name} must be a positive whole number, not '${value}'`);
  return n;
}

const command: Command = {
  name: 'doctor',
  summary: 'find the broken link of a live chain',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'doctor',
      argv,
      {
        config: { type: 'string' },
        user: { type: 'string' },
        output: { type: 'string' },
        'fail-on': { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        'age-key-file': { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
      },
      false,
    );
    const format = outputFormat(values.output, io, ['text', 'json', 'markdown', 'html']);
    const threshold = failOn(values['fail-on']);
    const concurrency = parsePositiveInt('--concurrency', values.concurrency);
    const timeout = parsePositiveInt('--timeout', values.timeout);
    const { config, provenance } = loadConfig({
      flag: values.config,
      env: io.env,
      cwd: io.cwd,
      home: io.env.HOME,
    });
    if (timeout) config.timeouts.default = timeout;
    const color = values['no-color'] ? false : values.color ? true : undefined;
    const progress = createProgress(io, useColor({ ...io, stdoutIsTTY: Boolean(io.stderrIsTTY) }, color));
    const configDir = provenance.path ? path.dirname(provenance.path) : io.cwd;
    try {
      const { report, errors } = await runDoctor({
        config,
        env: io.env,
        configDir,
        ...(concurrency ? { concurrency } : {}),
        ...(values.user ? { user: values.user } : {}),
        sops: sopsAdapterFor({ ageKeyFile: values['age-key-file'], env: io.env, cwd: io.cwd }),
        progress: progress.onEvent,
      });
      progress.done();
      io.stdout(render(report, format, renderContext(io, color)));
      for (const e of errors) io.stderr(`ssochain: a check failed and was skipped: ${e}\n`);
      return exitCodeFor(report, threshold);
    } finally {
      progress.done();
    }
  },
};
export default command;
