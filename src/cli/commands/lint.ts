import { exitCodeFor } from '../../diagnosis/build-report.js';
import { UsageError } from '../../errors.js';
import { lintReport } from '../../lint.js';
import { render } from '../../report/render.js';
import { loadConfigFile, loadConfigText, type LoadedInput } from '../../sources/files/load.js';
import { sopsAdapterFor } from '../../sources/files/sops-adapter.js';
import { failOn, outputFormat, parseCommandArgs, renderContext, type Command } from '../io.js';

const USAGE = `Usage: ssochain lint [options] FILE...

Lints MAS configs, Synapse homeserver.yaml, ESS matrix-stack values, and the Kubernetes
Secrets / Flux HelmReleases that carry them, SOPS-encrypted or not (decrypted in memory).
Files given together are also checked against each other (server name, shared secret).
Use - to read one document from standard input.

Options:
  --output FMT        text (default), json, markdown or sarif
  --fail-on LEVEL     error (default), warn, info or never
  --age-key-file F    age identities for SOPS files (else SOPS_AGE_KEY_FILE, SOPS_AGE_KEY,
                      or the sops default keys.txt)
  --color / --no-color  force colours on or off (NO_COLOR is respected)
`;

const command: Command = {
  name: 'lint',
  summary: 'offline lint of config files',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('lint', argv, {
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      'age-key-file': { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
    });
    if (positionals.length === 0)
      throw new UsageError('lint: name at least one file (see `ssochain lint --help`)');
    const format = outputFormat(values.output, io, ['text', 'json', 'markdown', 'sarif']);
    const threshold = failOn(values['fail-on']);
    const sops = sopsAdapterFor({ ageKeyFile: values['age-key-file'], env: io.env, cwd: io.cwd });
    const inputs: LoadedInput[] = [];
    for (const file of positionals) {
      if (file === '-') {
        if (!io.readStdin) throw new UsageError('lint: standard input is not available here');
        const text = (await io.readStdin()).toString('utf8');
        inputs.push(await loadConfigText(text, '<stdin>', { sops, wrongKeyIsInputError: true }));
      } else {
        inputs.push(await loadConfigFile(file, { sops, wrongKeyIsInputError: true }));
      }
    }
    const { report, notes, errors } = lintReport(inputs);
    const color = values['no-color'] ? false : values.color ? true : undefined;
    io.stdout(render(report, format, renderContext(io, color)));
    if (format === 'text') for (const note of notes) io.stderr(`note: ${note}\n`);
    for (const error of errors) io.stderr(`ssochain: a check failed and was skipped: ${error}\n`);
    return exitCodeFor(report, threshold);
  },
};
export default command;
