import type { AppServiceSeed, SynapseUserSeed } from './scenario.js';

/** One row of Synapse's `users` table, with the profile, threepids and devices attached. */
export interface SynapseUser {
  userId: string;
  localpart: string;
  displayname: string | null;
  avatarUrl: string | null;
  admin: boolean;
  deactivated: boolean;
  locked: boolean;
  suspended: boolean;
  shadowBanned: boolean;
  erased: boolean;
  /** erasing deletes the profile row; reactivation creates a blank one */
  profileDeleted: boolean;
  isGuest: boolean;
  userType: string | null;
  /** milliseconds */
  creationTs: number;
  lastSeenTs: number | null;
  createdVia: 'mas' | 'admin-api' | 'registration';
  threepids: { medium: string; address: string; added_at: number; validated_at: number }[];
  externalIds: { auth_provider: string; external_id: string }[];
  devices: Map<string, { displayName: string | null }>;
}

/** Synapse's rule for new localparts (`contains_invalid_mxid_characters`). */
export const MXID_LOCALPART_ALLOWED = /^[a-z0-9._=/+-]*$/;
export const MAX_USERID_LENGTH = 255;

/** The emulator's database: users by full user id. */
export class SynapseStore {
  readonly users = new Map<string, SynapseUser>();
  readonly appservices: AppServiceSeed[];

  constructor(
    readonly serverName: string,
    appservices: AppServiceSeed[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.appservices = appservices;
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  get(userId: string): SynapseUser | undefined {
    return this.users.get(userId);
  }

  /** `get_users_by_id_case_insensitive` */
  getCaseInsensitive(userId: string): SynapseUser[] {
    const wanted = userId.toLowerCase();
    return [...this.users.values()].filter((u) => u.userId.toLowerCase() === wanted);
  }

  /** `check_user_id_not_appservice_exclusive` */
  isExclusiveToAppservice(userId: string): boolean {
    return this.appservices.some((s) =>
      s.users.some((ns) => ns.exclusive && new RegExp(`^(?:${ns.regex})$`).test(userId)),
    );
  }

  create(fields: {
    localpart: string;
    displayname?: string | null;
    avatarUrl?: string | null;
    admin?: boolean;
    createdVia: SynapseUser['createdVia'];
    creationTs?: number;
  }): SynapseUser {
    const user: SynapseUser = {
      userId: this.userId(fields.localpart),
      localpart: fields.localpart,
      // register_user() falls back to the localpart when no display name is given
      displayname:
        fields.displayname === undefined || fields.displayname === null
          ? fields.localpart
          : fields.displayname,
      avatarUrl: fields.avatarUrl ?? null,
      admin: fields.admin ?? false,
      deactivated: false,
      locked: false,
      suspended: false,
      shadowBanned: false,
      erased: false,
      profileDeleted: false,
      isGuest: false,
      userType: null,
      creationTs: fields.creationTs ?? this.now(),
      lastSeenTs: null,
      createdVia: fields.createdVia,
      threepids: [],
      externalIds: [],
      devices: new Map(),
    };
    this.users.set(user.userId, user);
    return user;
  }

  seed(seed: SynapseUserSeed): SynapseUser {
    const user = this.create({
      localpart: seed.localpart,
      displayname: seed.displayname === undefined ? seed.localpart : seed.displayname,
      avatarUrl: seed.avatarUrl ?? null,
      admin: seed.admin,
      createdVia: seed.createdVia,
      creationTs: seed.creationTs,
    });
    user.deactivated = seed.deactivated;
    user.locked = seed.locked;
    user.suspended = seed.suspended;
    const ts = user.creationTs;
    user.threepids = seed.emails.map((address) => ({
      medium: 'email',
      address,
      added_at: ts,
      validated_at: ts,
    }));
    for (const d of seed.devices) {
      if (typeof d === 'string') user.devices.set(d, { displayName: null });
      else user.devices.set(d.id, { displayName: d.displayName ?? null });
    }
    return user;
  }

  setEmails(user: SynapseUser, emails: string[]): void {
    const wanted = new Set(emails);
    const ts = this.now();
    user.threepids = user.threepids.filter((t) => t.medium !== 'email' || wanted.has(t.address));
    for (const address of wanted) {
      if (!user.threepids.some((t) => t.medium === 'email' && t.address === address))
        user.threepids.push({ medium: 'email', address, added_at: ts, validated_at: ts });
    }
  }

  /** `DeactivateAccountHandler.deactivate_account` */
  deactivate(user: SynapseUser, erase: boolean): void {
    user.threepids = [];
    user.devices.clear();
    if (erase) {
      user.displayname = null;
      user.avatarUrl = null;
      user.erased = true;
      user.profileDeleted = true;
    }
    user.deactivated = true;
  }

  /** `DeactivateAccountHandler.activate_account` */
  reactivate(user: SynapseUser): void {
    user.erased = false;
    user.profileDeleted = false;
    user.deactivated = false;
  }
}
