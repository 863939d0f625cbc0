import type { ClientAuthMethod, ProviderConfig } from './config/types.js';
import { newUlid } from './util.js';

/** The emulator's database: the rows of MAS's tables the sandbox needs, in memory. */

export interface ProviderRow {
  id: string;
  createdAt: Date;
  disabledAt: Date | null;
  /** the configuration last synced for this provider (kept after it is disabled) */
  config: ProviderConfig;
}

export interface UserRow {
  id: string;
  username: string;
  sub: string;
  createdAt: Date;
  lockedAt: Date | null;
  deactivatedAt: Date | null;
  canRequestAdmin: boolean;
  isGuest: boolean;
  password?: string;
}

export interface UserEmailRow {
  id: string;
  userId: string;
  email: string;
  createdAt: Date;
}

export interface UpstreamLinkRow {
  id: string;
  providerId: string;
  userId: string | null;
  subject: string;
  humanAccountName: string | null;
  createdAt: Date;
}

export interface UpstreamSessionRow {
  id: string;
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier?: string;
  createdAt: Date;
  completedAt?: Date;
  consumedAt?: Date;
  linkId?: string;
  idToken?: string;
  idTokenClaims?: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
  extraCallbackParameters?: Record<string, unknown>;
}

export interface RegistrationRow {
  id: string;
  username: string;
  displayName?: string;
  email?: string;
  upstreamSessionId?: string;
  postAuthAction?: PostAuthAction;
  termsUrl?: string;
  createdAt: Date;
  completedAt?: Date;
}

export type PostAuthAction =
  | { kind: 'continue_authorization_grant'; id: string }
  | { kind: 'continue_compat_sso_login'; id: string }
  | { kind: 'link_upstream'; id: string };

export interface BrowserSessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ClientRow {
  id: string;
  isStatic: boolean;
  authMethod: ClientAuthMethod;
  secret?: string;
  redirectUris: string[];
  grantTypes: string[];
  name?: string;
  uri?: string;
  applicationType?: string;
  metadata?: Record<string, unknown>;
  createdAt: Date;
}

export interface GrantRow {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string[];
  state?: string;
  nonce?: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  codeChallenge?: { method: 'S256' | 'plain'; challenge: string };
  code: string;
  loginHint?: string;
  createdAt: Date;
  stage: 'pending' | 'fulfilled' | 'exchanged' | 'cancelled';
  browserSessionId?: string;
  fulfilledAt?: Date;
  exchangedAt?: Date;
  sessionId?: string;
}

export interface OAuthSessionRow {
  id: string;
  clientId: string;
  userId: string | null;
  browserSessionId: string | null;
  scope: string[];
  createdAt: Date;
  finishedAt: Date | null;
}

export interface AccessTokenRow {
  id: string;
  token: string;
  sessionId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface RefreshTokenRow {
  id: string;
  token: string;
  sessionId: string;
  accessTokenId: string;
  createdAt: Date;
  consumedAt: Date | null;
  nextId: string | null;
}

const lower = (s: string) => s.toLowerCase();

export class MasStore {
  readonly providers = new Map<string, ProviderRow>();
  readonly users = new Map<string, UserRow>();
  readonly emails = new Map<string, UserEmailRow>();
  readonly links = new Map<string, UpstreamLinkRow>();
  readonly upstreamSessions = new Map<string, UpstreamSessionRow>();
  readonly registrations = new Map<string, RegistrationRow>();
  readonly browserSessions = new Map<string, BrowserSessionRow>();
  readonly clients = new Map<string, ClientRow>();
  readonly grants = new Map<string, GrantRow>();
  readonly oauthSessions = new Map<string, OAuthSessionRow>();
  readonly accessTokens = new Map<string, AccessTokenRow>();
  readonly refreshTokens = new Map<string, RefreshTokenRow>();

  // --- users ---
  /** `find_by_username`: case-insensitive, like MAS's `LOWER(username) = LOWER($1)` */
  userByUsername(username: string): UserRow | undefined {
    for (const u of this.users.values()) if (lower(u.username) === lower(username)) return u;
    return undefined;
  }

  addUser(username: string, at = new Date()): UserRow {
    if (this.userByUsername(username)) throw new Error(`user ${username} already exists`);
    const id = newUlid(at.getTime());
    const user: UserRow = {
      id,
      username,
      sub: id,
      createdAt: at,
      lockedAt: null,
      deactivatedAt: null,
      canRequestAdmin: false,
      isGuest: false,
    };
    this.users.set(id, user);
    return user;
  }

  emailsOf(userId: string): UserEmailRow[] {
    return [...this.emails.values()].filter((e) => e.userId === userId).sort(byId);
  }

  addEmail(userId: string, email: string, at = new Date()): UserEmailRow {
    const row = { id: newUlid(at.getTime()), userId, email, createdAt: at };
    this.emails.set(row.id, row);
    return row;
  }

  // --- upstream links ---
  linkBySubject(providerId: string, subject: string): UpstreamLinkRow | undefined {
    for (const l of this.links.values()) if (l.providerId === providerId && l.subject === subject) return l;
    return undefined;
  }

  addLink(
    providerId: string,
    subject: string,
    humanAccountName: string | null,
    at = new Date(),
  ): UpstreamLinkRow {
    const row: UpstreamLinkRow = {
      id: newUlid(at.getTime()),
      providerId,
      userId: null,
      subject,
      humanAccountName,
      createdAt: at,
    };
    this.links.set(row.id, row);
    return row;
  }

  linksOf(userId: string, providerId?: string): UpstreamLinkRow[] {
    return [...this.links.values()]
      .filter((l) => l.userId === userId && (!providerId || l.providerId === providerId))
      .sort(byId);
  }

  enabledProviders(): ProviderRow[] {
    return [...this.providers.values()]
      .filter((p) => !p.disabledAt)
      .sort((a, b) => a.config.index - b.config.index || byId(a, b));
  }

  // --- tokens ---
  accessToken(token: string): AccessTokenRow | undefined {
    for (const t of this.accessTokens.values()) if (t.token === token) return t;
    return undefined;
  }

  refreshToken(token: string): RefreshTokenRow | undefined {
    for (const t of this.refreshTokens.values()) if (t.token === token) return t;
    return undefined;
  }

  grantByCode(code: string): GrantRow | undefined {
    for (const g of this.grants.values()) if (g.code === code) return g;
    return undefined;
  }
}

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
