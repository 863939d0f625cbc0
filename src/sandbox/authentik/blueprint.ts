import { createHash } from 'node:crypto';
import { parseDocument, type Tags } from 'yaml';
import type { Resource } from './api/resource.js';
import type { Ak } from './context.js';
import { ValidationFailed } from './validate.js';

/**
 * Blueprints (`version: 1`, `entries: [{model, state, identifiers, attrs, id}]`), applied in
 * one transaction through the same validation as the API: any invalid entry rolls back the
 * whole blueprint, as Authentik's importer does. Supported tags: `!KeyOf`, `!Find`,
 * `!Context`, `!Env` (always the default: the sandbox has no environment to read),
 * `!Format`. Models: every collection the API emulates (see RESOURCE_MODELS in index.ts).
 */

class Tag {
  constructor(
    readonly kind: 'KeyOf' | 'Find' | 'Context' | 'Env' | 'Format',
    readonly args: unknown,
  ) {}
}

const customTags: Tags = [
  { tag: '!KeyOf', resolve: (v: string) => new Tag('KeyOf', v) },
  { tag: '!Context', resolve: (v: string) => new Tag('Context', v) },
  { tag: '!Env', resolve: (v: string) => new Tag('Env', v) },
  {
    tag: '!Find',
    collection: 'seq',
    resolve: (v: unknown) => new Tag('Find', (v as { toJSON(): unknown }).toJSON()),
  },
  {
    tag: '!Context',
    collection: 'seq',
    resolve: (v: unknown) => new Tag('Context', (v as { toJSON(): unknown }).toJSON()),
  },
  {
    tag: '!Format',
    collection: 'seq',
    resolve: (v: unknown) => new Tag('Format', (v as { toJSON(): unknown }).toJSON()),
  },
] as unknown as Tags;

export interface LogEvent {
  timestamp: string;
  log_level: 'info' | 'warning' | 'error' | 'debug';
  logger: string;
  event: string;
  attributes: Record<string, unknown>;
}

export interface ApplyResult {
  success: boolean;
  logs: LogEvent[];
  models: string[];
  metadata: Record<string, unknown>;
  hash: string;
}

interface Entry {
  model?: string;
  state?: string;
  id?: string;
  identifiers?: Record<string, unknown>;
  attrs?: Record<string, unknown>;
}

class BlueprintError extends Error {
  constructor(
    message: string,
    readonly attributes: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function applyBlueprint(
  ak: Ak,
  resources: Map<string, Resource<unknown>>,
  content: string,
  context: Record<string, unknown> = {},
): ApplyResult {
  const logs: LogEvent[] = [];
  const log = (level: LogEvent['log_level'], event: string, attributes: Record<string, unknown> = {}) =>
    logs.push({
      timestamp: new Date().toISOString(),
      log_level: level,
      logger: 'authentik.blueprints.v1.importer',
      event,
      attributes,
    });
  const hash = createHash('sha512').update(content).digest('hex');
  const doc = parseDocument(content, { customTags, prettyErrors: false });
  if (doc.errors.length) {
    log('error', 'Failed to parse blueprint', { error: doc.errors[0]!.message.split('\n')[0] });
    return { success: false, logs, models: [], metadata: {}, hash };
  }
  const bp = doc.toJS() as {
    version?: unknown;
    metadata?: Record<string, unknown>;
    context?: Record<string, unknown>;
    entries?: Entry[];
  };
  const metadata = (bp?.metadata ?? {}) as Record<string, unknown>;
  if (!bp || bp.version !== 1) {
    log('error', 'Invalid blueprint version', { version: bp?.version ?? null });
    return { success: false, logs, models: [], metadata, hash };
  }
  const ctxValues = { ...(bp.context ?? {}), ...context };
  const ids = new Map<string, unknown>();
  const models = new Set<string>();

  const resolve = (value: unknown): unknown => {
    if (value instanceof Tag) {
      switch (value.kind) {
        case 'KeyOf': {
          const id = String(value.args);
          if (!ids.has(id)) throw new BlueprintError(`KeyOf: no entry with id '${id}' was applied before`);
          return ids.get(id);
        }
        case 'Find': {
          const [model, ...pairs] = value.args as [string, ...[string, unknown][]];
          const r = resources.get(model);
          if (!r) throw new BlueprintError(`Find: model '${model}' is not emulated`);
          const wanted = pairs.map(([k, v]) => [k, resolve(v)] as const);
          const hit = r.all().find((item) => matches(r, item, Object.fromEntries(wanted)));
          return hit === undefined ? null : r.key(hit);
        }
        case 'Context': {
          const [key, fallback] = Array.isArray(value.args)
            ? (value.args as [string, unknown])
            : [String(value.args), null];
          return key in ctxValues ? ctxValues[key] : (fallback ?? null);
        }
        case 'Env': {
          const raw = Array.isArray(value.args) ? (value.args as unknown[]) : String(value.args).split(',');
          return raw.length > 1 ? String(raw[1]).trim() : null;
        }
        case 'Format': {
          const [fmt, ...args] = value.args as [string, ...unknown[]];
          let i = 0;
          return String(fmt).replace(/%[sd]/g, () => String(resolve(args[i++])));
        }
      }
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };

  try {
    ak.store.transaction(() => {
      (bp.entries ?? []).forEach((entry, index) => {
        const model = String(entry.model ?? '');
        if (model === 'authentik_blueprints.metaapplyblueprint') {
          log('warning', 'Meta-apply of other blueprints is not emulated, skipped', { index });
          return;
        }
        const r = resources.get(model);
        if (!r) throw new BlueprintError(`Model ${model} not allowed`, { index, model });
        const state = entry.state ?? 'present';
        const identifiers = resolve(entry.identifiers ?? {}) as Record<string, unknown>;
        const attrs = resolve(entry.attrs ?? {}) as Record<string, unknown>;
        if (Object.keys(identifiers).length === 0)
          throw new BlueprintError('No identifiers', { index, model });
        const existing = r.all().find((item) => matches(r, item, identifiers));
        let item: unknown = existing;
        try {
          if (state === 'absent') {
            if (existing !== undefined && r.destroy) r.destroy(existing);
            log(
              'info',
              existing !== undefined ? 'Deleted model' : 'Model does not exist, nothing to delete',
              { index, model },
            );
          } else if (existing !== undefined) {
            if (state === 'must_created')
              throw new BlueprintError('Model exists but must be created', { index, model });
            if (state === 'present' && Object.keys(attrs).length && r.update)
              item = r.update(existing, attrs, true, null);
            log('info', state === 'created' ? 'Model exists, not updating' : 'Updated model', {
              index,
              model,
            });
          } else {
            if (!r.create)
              throw new BlueprintError(`Model ${model} cannot be created by the emulator`, { index, model });
            item = r.create({ ...identifiers, ...attrs }, null);
            log('info', 'Created model', { index, model });
          }
        } catch (err) {
          if (err instanceof ValidationFailed)
            throw new BlueprintError('Entry invalid', { index, model, errors: err.errors });
          throw err;
        }
        if (model === 'authentik_core.user' && typeof attrs.password === 'string' && item !== undefined) {
          // blueprints may set a user's password (`attrs.password`), which the API serializer does not
          const user = ak.store.data.users[r.key(item) as number];
          if (user) user.password = attrs.password;
        }
        models.add(model);
        if (entry.id && item !== undefined) ids.set(entry.id, r.key(item));
      });
    });
  } catch (err) {
    if (!(err instanceof BlueprintError)) throw err;
    log('error', err.message, err.attributes);
    log('warning', 'Blueprint validation failed, rolled back');
    return { success: false, logs, models: [...models], metadata, hash };
  }
  return { success: true, logs, models: [...models], metadata, hash };
}

function normal(v: unknown): string {
  return typeof v === 'string' ? v.replace(/-/g, '').toLowerCase() : JSON.stringify(v);
}

/** identifiers are ANDed; UUIDs compare with or without dashes */
function matches<T>(r: Resource<T>, item: T, identifiers: Record<string, unknown>): boolean {
  const shown = r.show(item);
  return Object.entries(identifiers).every(([k, v]) => {
    if (k === 'pk') return normal(r.key(item)) === normal(v);
    return k in shown && normal(shown[k]) === normal(v);
  });
}
