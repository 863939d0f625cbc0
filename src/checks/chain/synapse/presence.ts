import type { ChainSnapshot, MasAdminFacts, MasConfigFacts, SynapseFacts } from '../../../snapshot/types.js';

/**
 * Readers shared by the synapse, mas and lifecycle checks: what Synapse answered about a
 * localpart, and which server name Synapse reveals. They never guess: `undefined` means the
 * snapshot cannot tell (not asked, list cut short), and checks then stay quiet.
 */

export function synapseOf(snap: ChainSnapshot): SynapseFacts | undefined {
  return snap.synapse.status === 'ok' ? snap.synapse.data : undefined;
}

export function masAdminOf(snap: ChainSnapshot): MasAdminFacts | undefined {
  return snap.masAdmin.status === 'ok' ? snap.masAdmin.data : undefined;
}

export function masConfigOf(snap: ChainSnapshot): MasConfigFacts | undefined {
  return snap.masConfig.status === 'ok' ? snap.masConfig.data : undefined;
}

/** `@alice:example.org` -> `{ localpart: 'alice', domain: 'example.org' }` */
export function splitUserId(userId: string): { localpart: string; domain: string } | undefined {
  const m = /^@([^:]+):(.+)$/.exec(userId);
  return m ? { localpart: m[1]!, domain: m[2]! } : undefined;
}

export interface SynapsePresence {
  exists: boolean;
  deactivated?: boolean;
  userId?: string;
  /** how Synapse told: its MAS API (`query_user`) or the admin user list */
  via: 'query_user' | 'admin-list';
}

/** What Synapse said about a localpart, or undefined when the snapshot cannot tell. */
export function synapsePresence(snap: ChainSnapshot, localpart: string): SynapsePresence | undefined {
  const s = synapseOf(snap);
  if (!s) return undefined;
  const asked = s.users.find((u) => u.localpart === localpart);
  if (asked) {
    return {
      exists: asked.exists,
      via: 'query_user',
      ...(asked.deactivated !== undefined ? { deactivated: asked.deactivated } : {}),
      ...(asked.userId ? { userId: asked.userId } : {}),
    };
  }
  if (s.adminUsers?.status !== 'ok') return undefined;
  const listed = s.adminUsers.data.find((u) => splitUserId(u.name)?.localpart === localpart);
  if (listed)
    return { exists: true, deactivated: listed.deactivated, userId: listed.name, via: 'admin-list' };
  return s.adminUsersTruncated ? undefined : { exists: false, via: 'admin-list' };
}

/** Every place Synapse reveals its server name, with the name each gives. */
export function revealedServerNames(snap: ChainSnapshot): { name: string; where: string }[] {
  const s = synapseOf(snap);
  if (!s) return [];
  const out: { name: string; where: string }[] = [];
  if (s.serverKey?.status === 'ok')
    out.push({ name: s.serverKey.data.server_name, where: 'GET /_matrix/key/v2/server (server_name)' });
  for (const u of s.users) {
    const id = u.userId ? splitUserId(u.userId) : undefined;
    if (id)
      out.push({
        name: id.domain,
        where: `GET /_synapse/mas/query_user?localpart=${u.localpart} (user_id ${u.userId})`,
      });
  }
  if (s.adminUsers?.status === 'ok') {
    const first = s.adminUsers.data.map((u) => ({ u, id: splitUserId(u.name) })).find((x) => x.id);
    if (first?.id)
      out.push({ name: first.id.domain, where: `GET /_synapse/admin/v2/users (name ${first.u.name})` });
  }
  return out;
}

/** The server name Synapse uses, when it reveals one. */
export function synapseServerName(snap: ChainSnapshot): string | undefined {
  return revealedServerNames(snap)[0]?.name;
}

/** How long after its creation a MAS user may still be waiting for its Synapse account. */
export const PROVISIONING_GRACE_MS = 10 * 60 * 1000;

/** Milliseconds between a timestamp and the snapshot time; undefined when either is unreadable. */
export function ageAt(snap: ChainSnapshot, iso: string): number | undefined {
  const t = Date.parse(iso);
  const now = Date.parse(snap.takenAt);
  return Number.isNaN(t) || Number.isNaN(now) ? undefined : now - t;
}

/** `3 h`, `2 d`: a rough age for sentences. */
export function describeAge(ms: number): string {
  const min = Math.round(ms / 60000);
  if (min < 90) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** The host of a URL for subjects (`mas/account.example.org`); the text itself when not a URL. */
export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
