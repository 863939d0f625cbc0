import { readFile } from 'node:fs/promises';
import { CHAIN_CHECKS } from '../../checks/chain/index.js';
import { exitCodeFor } from '../../diagnosis/build-report.js';
import { analyzeSnapshot } from '../../doctor.js';
import { InputError, UsageError } from '../../errors.js';
import { render } from '../../report/render.js';
import { SNAPSHOT_SCHEMA_VERSION, type ChainSnapshot } from '../../snapshot/types.js';
import { failOn, outputFormat, parseCommandArgs, renderContext, type Command } from '../io.js';

const USAGE = `Usage: ssochain analyze BUNDLE [--output FMT] [--fail-on LEVEL]

Runs every check on a bundle written by \`ssochain collect\`, offline: the same report doctor
gave where the bundle was taken. Formats: text, json, markdown, html.
`;

/** Reads a bundle, refusing anything that is not one (or is from a newer ssochain). */
export function parseBundle(text: string, file: string): ChainSnapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not a JSON bundle (${(err as Error).message})`, file);
  }
  const bundle = data as { bundle?: unknown; snapshot?: { schemaVersion?: unknown } };
  if (
    bundle?.bundle !== 'ssochain-snapshot' ||
    typeof bundle.snapshot !== 'object' ||
    bundle.snapshot === null
  ) {
    throw new InputError(
      `${file}: not an ssochain bundle (write one with \`ssochain collect -o ${file}\`)`,
      file,
    );
  }
  if (bundle.snapshot.schemaVersion !== SNAPSHOT_SCHEMA_VERSION) {
    throw new InputError(
      `${file}: bundle schema version ${String(bundle.snapshot.schemaVersion)} is not supported (this ssochain reads version ${SNAPSHOT_SCHEMA_VERSION})`,
      file,
    );
  }
  return bundle.snapshot as ChainSnapshot;
}

const command: Command = {
  name: 'analyze',
  summary: 'run every check on a bundle, offline',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('analyze', argv, {
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('analyze: name exactly one bundle file');
    const file = positionals[0]!;
    const format = outputFormat(values.output, io, ['text', 'json', 'markdown', 'html']);
    const threshold = failOn(values['fail-on']);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError(
        `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        file,
      );
    }
    const { report, errors } = analyzeSnapshot(parseBundle(text, file), CHAIN_CHECKS);
    const color = values['no-color'] ? false : values.color ? true : undefined;
    io.stdout(render(report, format, renderContext(io, color)));
    for (const e of errors) io.stderr(`ssochain: a check failed and was skipped: ${e}\n`);
    return exitCodeFor(report, threshold);
  },
};
export default command;
