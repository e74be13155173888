// Who is calling: a bearer token checked against the token store's digests in constant time,
// or, when no token exists and the server is bound to loopback only, the local user.

import { findDigest, tokenDigest } from '../core/token-digest.js';
import type { TokenRecord, TokenStore } from '../ports/token-store.js';
import { HttpError } from './errors.js';

export interface Principal {
  /**
   * The token's id, never reused (a new token with a revoked one's name gets a new id): the
   * owner of the tasks it submits. Null for the local user of a server without tokens.
   */
  id: string | null;
  /** Token name, for people (logs); null for the local user. */
  name: string | null;
  /** Sees and cancels every task, reads the ledger. The local user is admin. */
  admin: boolean;
}

export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: null, name: null, admin: true });

/** Who calls a public route: sees nothing. */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ id: null, name: null, admin: false });

/** Who scrapes /metrics with the scrape token (SYMBIONT_METRICS_TOKEN): sees no task. */
export const SCRAPER_PRINCIPAL: Principal = Object.freeze({
  id: null,
  name: 'metrics-scraper',
  admin: false,
});

/** The owner recorded on tasks this principal submits: the token id. */
export function ownerOf(principal: Principal): string | null {
  return principal.id;
}

/** Whether the principal may see a task with this owner. */
export function canSee(principal: Principal, owner: string | null): boolean {
  return principal.admin || (principal.id !== null && owner === principal.id);
}

/** The `owner` filter for listing: undefined (everyone's) for admins. */
export function listFilterOf(principal: Principal): string | undefined {
  return principal.admin ? undefined : (principal.id ?? undefined);
}

interface TokenSnapshot {
  records: TokenRecord[];
  digests: Buffer[];
  /** One frozen principal per record, in the same order. */
  principals: Principal[];
  loadedAt: number;
}

export interface AuthenticatorOptions {
  tokens: TokenStore;
  /** Serve the local user without a token while the store is empty. Only safe on loopback. */
  allowAnonymous: boolean;
  /** How long a read of the token store is reused, in ms (revocations apply within it). Default 1000. */
  cacheMs?: number;
  now?: () => number;
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,512})[ ]*$/i;

export class Authenticator {
  private snapshot: TokenSnapshot | undefined;
  private loading: Promise<TokenSnapshot> | undefined;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether any token exists (the server then requires one on every non-public route). */
  async hasTokens(): Promise<boolean> {
    return (await this.current()).records.length > 0;
  }

  /**
   * The principal for an Authorization header value, or throws 401. A missing header is
   * accepted only in local mode (no tokens, allowAnonymous).
   */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    return this.check(await this.current(), authorization);
  }

  /**
   * As authenticate, without waiting, while the last read of the token store is fresh;
   * undefined when it must be read again first (then call authenticate). Every call hashes the
   * presented token and compares it with every stored digest in constant time.
   */
  authenticateNow(authorization: string | undefined): Principal | undefined {
    const snapshot = this.snapshot;
    if (snapshot === undefined || this.now() - snapshot.loadedAt >= this.cacheMs) return undefined;
    return this.check(snapshot, authorization);
  }

  private check(snapshot: TokenSnapshot, authorization: string | undefined): Principal {
    if (snapshot.records.length === 0) {
      if (this.options.allowAnonymous) return LOCAL_PRINCIPAL;
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'no API token exists; create one with `symbiont token create --name NAME`',
        { 'www-authenticate': 'Bearer' },
      );
    }
    const match = authorization === undefined ? null : BEARER.exec(authorization);
    if (!match) {
      throw new HttpError(401, 'UNAUTHORIZED', 'send Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer',
      });
    }
    const principal = snapshot.principals[findDigest(tokenDigest(match[1]!), snapshot.digests)];
    if (principal === undefined) {
      throw new HttpError(401, 'UNAUTHORIZED', 'the token is not valid', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    return principal;
  }

  private async current(): Promise<TokenSnapshot> {
    const snapshot = this.snapshot;
    if (snapshot && this.now() - snapshot.loadedAt < this.cacheMs) return snapshot;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<TokenSnapshot> {
    const records = await this.options.tokens.list();
    const snapshot = {
      records,
      digests: records.map((record) => Buffer.from(record.sha256, 'hex')),
      principals: records.map((record) =>
        Object.freeze({ id: record.id, name: record.name, admin: record.admin }),
      ),
      loadedAt: this.now(),
    };
    this.snapshot = snapshot;
    return snapshot;
  }
}
