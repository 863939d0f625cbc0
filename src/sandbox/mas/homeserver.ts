import type { MasConfig } from './config/types.js';
import { MasError } from './errors.js';
import { request, statusError, type HttpResponse } from './http-client.js';
import type { MasLogger } from './log.js';

/**
 * MAS's connection to Synapse (`crates/matrix-synapse`): the modern `/_synapse/mas/*` API with
 * the shared secret as bearer (`kind: synapse` / `synapse_modern`), the read-only wrapper
 * (`synapse_read_only`) and the two legacy admin-API calls the sign-in path needs
 * (`synapse_legacy`). Every call goes over real HTTP to `matrix.endpoint`.
 */
export interface ProvisionRequest {
  localpart: string;
  locked: boolean;
  displayname?: string;
  emails?: string[];
  avatarUrl?: string;
}

interface SynapseError {
  errcode?: string;
  error?: string;
}

function synapseError(res: HttpResponse): MasError | undefined {
  const status = statusError(res);
  if (!status) return undefined;
  let parsed: SynapseError | undefined;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as SynapseError;
    if (typeof body.errcode === 'string' && typeof body.error === 'string') parsed = body;
  } catch {
    parsed = undefined;
  }
  const err = new MasError(parsed ? `${parsed.errcode}: ${parsed.error}` : '(no specific error)', status);
  (err as MasError & { errcode?: string }).errcode = parsed?.errcode;
  return err;
}

const UNAVAILABLE = ['M_INVALID_USERNAME', 'M_USER_IN_USE', 'M_EXCLUSIVE'];

export class Homeserver {
  constructor(
    private readonly config: MasConfig['matrix'],
    private readonly logger: MasLogger,
  ) {}

  get serverName(): string {
    return this.config.homeserver;
  }

  mxid(localpart: string): string {
    return `@${localpart}:${this.config.homeserver}`;
  }

  /** the homeserver's own bearer for `/oauth2/introspect` (`verify_token`) */
  verifyToken(token: string): boolean {
    return token === this.config.secret;
  }

  private url(path: string): string {
    return new URL(path, this.config.endpoint).href;
  }

  private call(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    return request(this.url(path), {
      method,
      headers: {
        authorization: `Bearer ${this.config.secret}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  }

  private get legacy(): boolean {
    return this.config.kind === 'synapse_legacy';
  }

  private readOnly(what: string): void {
    if (this.config.kind === 'synapse_read_only')
      throw new MasError(`${what} is not supported in read-only mode`);
  }

  async isLocalpartAvailable(localpart: string, ctx?: string): Promise<boolean> {
    // Synapse rejects non-ASCII localparts, so MAS does not ask
    if ([...localpart].some((c) => c.charCodeAt(0) > 0x7f)) return false;
    const path = this.legacy
      ? `_synapse/admin/v1/username_available?username=${encodeURIComponent(localpart)}`
      : `_synapse/mas/is_localpart_available?localpart=${encodeURIComponent(localpart)}`;
    let res: HttpResponse;
    try {
      res = await this.call('GET', path);
    } catch (err) {
      throw new MasError('Failed to check localpart availability from Synapse', err as MasError);
    }
    const err = synapseError(res);
    if (!err) {
      if (!this.legacy) return true;
      try {
        return (JSON.parse(res.body.toString('utf8')) as { available?: boolean }).available === true;
      } catch {
        throw new MasError(
          'Failed to deserialize response while checking username availability',
          new MasError('error decoding response body'),
        );
      }
    }
    const errcode = (err as MasError & { errcode?: string }).errcode;
    if (errcode && UNAVAILABLE.includes(errcode)) {
      this.logger.write(
        'DEBUG',
        `mas_matrix_synapse::${this.legacy ? 'legacy' : 'modern'}`,
        this.legacy ? 246 : 226,
        'Localpart is not available',
        { error: err },
        ctx,
      );
      return false;
    }
    throw new MasError('Failed to query localpart availability from Synapse', err);
  }

  /** `provision_user`: true when Synapse created the user (201), false when it updated it (200) */
  async provisionUser(req: ProvisionRequest): Promise<boolean> {
    this.readOnly('Provisioning');
    const body: Record<string, unknown> = { localpart: req.localpart };
    if (req.displayname !== undefined) body.set_displayname = req.displayname;
    if (req.avatarUrl !== undefined) body.set_avatar_url = req.avatarUrl;
    if (req.emails !== undefined) body.set_emails = req.emails;
    body.locked = req.locked;
    let res: HttpResponse;
    const path = this.legacy
      ? `_synapse/admin/v2/users/${encodeURIComponent(this.mxid(req.localpart))}`
      : '_synapse/mas/provision_user';
    const payload = this.legacy
      ? {
          ...(req.displayname !== undefined ? { displayname: req.displayname } : {}),
          ...(req.emails ? { threepids: req.emails.map((address) => ({ medium: 'email', address })) } : {}),
          external_ids: [{ auth_provider: 'oauth-delegated', external_id: req.localpart }],
          locked: req.locked,
        }
      : body;
    try {
      res = await this.call(this.legacy ? 'PUT' : 'POST', path, payload);
    } catch (err) {
      throw new MasError('Failed to provision user in Synapse', err as MasError);
    }
    const err = synapseError(res);
    if (err) throw new MasError('Unexpected HTTP response while provisioning user in Synapse', err);
    if (res.status === 201) return true;
    if (res.status === 200) return false;
    throw new MasError(
      `Unexpected HTTP code while provisioning user in Synapse: ${res.status} ${res.statusText}`,
    );
  }

  private async simple(what: string, path: string, body: unknown, verb: [string, string]): Promise<void> {
    this.readOnly(what);
    let res: HttpResponse;
    try {
      res = await this.call('POST', path, body);
    } catch (err) {
      throw new MasError(`Failed to ${verb[0]} in Synapse`, err as MasError);
    }
    const err = synapseError(res);
    if (err) throw new MasError(`Unexpected HTTP response while ${verb[1]} in Synapse`, err);
  }

  upsertDevice(localpart: string, deviceId: string, displayName?: string): Promise<void> {
    return this.simple(
      'Device creation',
      '_synapse/mas/upsert_device',
      { localpart, device_id: deviceId, ...(displayName ? { display_name: displayName } : {}) },
      ['create device', 'creating device'],
    );
  }

  syncDevices(localpart: string, devices: string[]): Promise<void> {
    return this.simple('Device synchronization', '_synapse/mas/sync_devices', { localpart, devices }, [
      'sync devices',
      'syncing devices',
    ]);
  }

  deleteUser(localpart: string, erase: boolean): Promise<void> {
    return this.simple('User deletion', '_synapse/mas/delete_user', { localpart, erase }, [
      'delete user',
      'deleting user',
    ]);
  }

  reactivateUser(localpart: string): Promise<void> {
    return this.simple('User reactivation', '_synapse/mas/reactivate_user', { localpart }, [
      'reactivate user',
      'reactivating user',
    ]);
  }
}
