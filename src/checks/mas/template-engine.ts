/**
 * MAS renders claims_imports and additional_authorization_parameters templates with MiniJinja
 * (crates/handlers/src/upstream_oauth2/template.rs `environment()`): MiniJinja 2.21 with the
 * `builtins`, `json` and `urlencode` features, minijinja-contrib's filters (without its
 * optional datetime, rand and wordwrap features), pycompat methods (`.split()`, `.lower()`), and
 * five filters of its own. Undefined values render as empty strings (lenient).
 *
 * This module compiles templates with the real MiniJinja (minijinja-js, WebAssembly) to catch
 * syntax errors with MiniJinja's own messages, and lists the filters, tests and functions
 * MAS's environment has, because an unknown filter only fails when a sign-in renders it.
 * Compiling never renders and never sees user data, so it stays pure.
 */
import { Environment } from 'minijinja-js';

/** minijinja 2.21 `build_builtin_filters()` with the json and urlencode features. */
// prettier-ignore
const MINIJINJA_FILTERS = [
  'safe', 'escape', 'e', 'lower', 'upper', 'title', 'capitalize', 'replace', 'length', 'count', 'dictsort', 'items', 'reverse', 'trim', 'join',
  'split', 'lines', 'default', 'd', 'round', 'abs', 'int', 'float', 'attr', 'first', 'last', 'min', 'max', 'sort', 'list', 'string', 'bool',
  'batch', 'slice', 'sum', 'indent', 'select', 'reject', 'selectattr', 'rejectattr', 'map', 'groupby', 'unique', 'chain', 'zip', 'pprint',
  'format', 'tojson', 'urlencode',
];
/** minijinja-contrib `add_to_environment()` without optional features. */
const CONTRIB_FILTERS = ['pluralize', 'filesizeformat', 'truncate', 'striptags'];
/** MAS's own filters (template.rs). */
export const MAS_CUSTOM_FILTERS = ['b64decode', 'b64encode', 'tlvdecode', 'string', 'from_json'];

export const MAS_TEMPLATE_FILTERS: ReadonlySet<string> = new Set([
  ...MINIJINJA_FILTERS,
  ...CONTRIB_FILTERS,
  ...MAS_CUSTOM_FILTERS,
]);

/** minijinja 2.21 `build_builtin_tests()`. */
// prettier-ignore
export const MAS_TEMPLATE_TESTS: ReadonlySet<string> = new Set([
  'undefined', 'defined', 'none', 'safe', 'escaped', 'boolean', 'odd', 'even', 'divisibleby', 'number', 'integer', 'int', 'float', 'string',
  'sequence', 'iterable', 'mapping', 'startingwith', 'endingwith', 'lower', 'upper', 'sameas', 'eq', 'equalto', 'ne', 'lt', 'lessthan', 'le',
  'gt', 'greaterthan', 'ge', 'in', 'true', 'false', 'filter', 'test',
]);

/** Global functions: minijinja's (`range`, `dict`, `debug`, `namespace`) and contrib's. */
export const MAS_TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'range',
  'dict',
  'debug',
  'namespace',
  'cycler',
  'joiner',
]);

/** Filters people bring from Synapse (Jinja2) or other tools, with what to write in MAS. */
export const FOREIGN_FILTER_HINTS: Readonly<Record<string, string>> = {
  localpart_from_email: "Synapse's own filter; in MAS write `(user.email | split('@'))[0]`.",
  wordcount: 'MAS builds minijinja-contrib without the wordcount feature.',
  wordwrap: 'MAS builds minijinja-contrib without the wordwrap feature.',
  datetimeformat: 'MAS builds minijinja-contrib without the datetime feature.',
  dateformat: 'MAS builds minijinja-contrib without the datetime feature.',
  timeformat: 'MAS builds minijinja-contrib without the datetime feature.',
  random: 'MAS builds minijinja-contrib without the rand feature.',
  regex_replace: 'That is an Ansible filter; MiniJinja has `replace` (plain text) only.',
  center: 'A Jinja2 filter MiniJinja does not have.',
  forceescape: 'A Jinja2 filter MiniJinja does not have.',
  urlize: 'A Jinja2 filter MiniJinja does not have.',
  xmlattr: 'A Jinja2 filter MiniJinja does not have.',
  wordcap: 'Not a filter; use `title` or `capitalize`.',
};

let environment: Environment | undefined;

function env(): Environment {
  if (!environment) {
    const e = new Environment();
    e.enablePyCompat();
    e.debug = true;
    // registered so compiling matches MAS's environment; they never run here
    for (const name of [...CONTRIB_FILTERS, ...MAS_CUSTOM_FILTERS])
      e.addFilter(name, (value: unknown) => value);
    environment = e;
  }
  return environment;
}

export interface CompileError {
  /** MiniJinja's message, first line (`syntax error: unexpected end of input, …`) */
  message: string;
  /** 0-based offset in the template of the error, when MiniJinja pointed at it */
  offset?: number;
}

/** Where MiniJinja's debug output points (`   1 > source` then `     i   ^^^^ syntax error`). */
function offsetFromDebug(text: string, template: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const source = /^\s*(\d+) > /.exec(lines[i]!);
    const caret = lines[i + 1]!.indexOf('^');
    if (!source || caret < 0 || !/^\s*i\s/.test(lines[i + 1]!)) continue;
    const lineNo = Number(source[1]);
    const column = caret - source[0].length;
    const before = template
      .split('\n')
      .slice(0, lineNo - 1)
      .join('\n');
    return (lineNo > 1 ? before.length + 1 : 0) + Math.max(0, column);
  }
  return undefined;
}

/** Compiles a template the way MAS would; undefined when it compiles. */
export function compileTemplate(name: string, template: string): CompileError | undefined {
  const e = env();
  try {
    e.addTemplate(name, template);
    e.removeTemplate(name);
    return undefined;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    try {
      e.removeTemplate(name);
    } catch {
      // nothing was registered
    }
    return { message: text.split('\n')[0]!.trim(), offset: offsetFromDebug(text, template) };
  }
}
