// The file ledger's options: what each one means, its default, and the checks on it; and
// the error a failed file operation becomes.

import { invalidValue, SymbiontError } from '../../core/errors.js';
import {
  type CheckpointPolicy,
  type CheckpointSigner,
  DEFAULT_CHECKPOINT_POLICY,
} from './ledger-checkpoints.js';
import {
  errorCode,
  type LedgerFileSystem,
  nodeFileSystem,
  retryingFileSystem,
} from './ledger-file-system.js';

export interface FileLedgerOptions {
  /** fdatasync every batch before its appends resolve. Default: true. */
  readonly fsync?: boolean;
  /** Told about repairs (a torn tail set aside) and head-file trouble. Default: process.emitWarning. */
  readonly onWarning?: (message: string) => void;
  /** File operations; tests wrap it to count fsyncs or fail writes. Default: node:fs. */
  readonly fileSystem?: LedgerFileSystem;
  /** Age in ms after which a `<path>.lock` is taken over even if its pid looks alive. Default: 30,000. */
  readonly lockStaleMs?: number;
  /**
   * What to do with a ledger whose chain is broken mid-file (a torn last line is always repaired):
   * `refuse-open` (default) rejects openFileLedger with LEDGER_CORRUPT; `refuse-appends` opens it
   * but rejects every append with that error, so readers (verify, report) keep working.
   */
  readonly whenCorrupt?: 'refuse-open' | 'refuse-appends';
  /**
   * How much of the chain open verifies. `tail` (default): from the entry the head file records
   * (found at its recorded size, or by its hash when bytes before it changed size, with a
   * warning), else from the start; damage before that entry never refuses the ledger at open,
   * whatever its size (`ledger verify` checks everything). `full`: always from the start, so a
   * break anywhere refuses the ledger, at about 1 s per 100,000 entries.
   */
  readonly verifyAtOpen?: 'tail' | 'full';
  /** Milliseconds since the epoch, for torn-file names, lock age and checkpoints. Default: Date.now. */
  readonly now?: () => number;
  /**
   * Signs the head into `ledger.checkpoints.jsonl` (see ledger-checkpoints.ts) at the intervals of
   * `checkpointPolicy` and at close. Default: none (the ledger is then unverifiable by signature).
   */
  readonly signer?: CheckpointSigner;
  /** Default: every 1,000 entries or 10 s, whichever comes first. */
  readonly checkpointPolicy?: CheckpointPolicy;
  /**
   * How long a file operation failing with EMFILE, ENFILE or EAGAIN is retried (with growing
   * pauses) before the error counts. 0: not retried. Default: 10,000.
   */
  readonly transientRetryMs?: number;
}

export type ResolvedOptions = Required<Omit<FileLedgerOptions, 'signer'>> & {
  signer: CheckpointSigner | undefined;
};

export const DEFAULTS: ResolvedOptions = {
  fsync: true,
  onWarning: (message) => process.emitWarning(message, 'SymbiontLedgerWarning'),
  fileSystem: nodeFileSystem,
  lockStaleMs: 30_000,
  whenCorrupt: 'refuse-open',
  verifyAtOpen: 'tail',
  now: Date.now,
  signer: undefined,
  checkpointPolicy: DEFAULT_CHECKPOINT_POLICY,
  transientRetryMs: 10_000,
};

export function resolveOptions(options: FileLedgerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULTS, ...stripUndefined(options) };
  if (typeof resolved.lockStaleMs !== 'number' || !(resolved.lockStaleMs > 0)) {
    throw invalidValue('lockStaleMs', 'a number above 0', resolved.lockStaleMs);
  }
  if (resolved.verifyAtOpen !== 'tail' && resolved.verifyAtOpen !== 'full') {
    throw invalidValue('verifyAtOpen', "'tail' or 'full'", resolved.verifyAtOpen);
  }
  if (resolved.whenCorrupt !== 'refuse-open' && resolved.whenCorrupt !== 'refuse-appends') {
    throw invalidValue('whenCorrupt', "'refuse-open' or 'refuse-appends'", resolved.whenCorrupt);
  }
  if (typeof resolved.transientRetryMs !== 'number' || !(resolved.transientRetryMs >= 0)) {
    throw invalidValue('transientRetryMs', 'a number from 0 up', resolved.transientRetryMs);
  }
  return { ...resolved, fileSystem: retryingFileSystem(resolved.fileSystem, resolved.transientRetryMs) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

export function writeError(what: string, path: string, error: unknown): SymbiontError {
  const code = errorCode(error);
  return new SymbiontError('LEDGER_WRITE', `${what}: ${describe(error)}`, {
    cause: error,
    context: { path, ...(code ? { code } : {}) },
  });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
