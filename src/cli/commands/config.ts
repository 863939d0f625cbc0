import { configJsonSchema } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { parseCommandArgs, type Command } from '../io.js';

const command: Command = {
  name: 'config',
  summary: 'print the JSON Schema of ssochain.yaml',
  usage:
    'Usage: ssochain config schema\n\nPrints the JSON Schema of ssochain.yaml, for editors:\n  # yaml-language-server: $schema=./ssochain.schema.json\n',
  async run(argv, io) {
    const { positionals } = parseCommandArgs('config', argv, {});
    if (positionals[0] !== 'schema')
      throw new UsageError("config: say 'schema' (see `ssochain config --help`)");
    io.stdout(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    return 0;
  },
};
export default command;
