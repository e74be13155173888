// Reads a ledger file without opening it for appends: `verifyLedgerFile` checks the chain and
// the head (ledger verify, GET /ledger/verify), `reportLedgerFile` sums costs (ledger report,
// GET /costs). Both stream the file a chunk at a time and take no lock.

import type { KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type ChainBroken, type ChainVerdict, ChainVerifier } from '../../core/chain-verifier.js';
import { CheckpointJudge, type SignedVerdict } from '../../core/checkpoint-verdict.js';
import { CostAggregator, type CostDimension, type CostReport } from '../../core/cost-report.js';
import { SymbiontError } from '../../core/errors.js';
import type { ChainHead } from '../../core/hash-chain.js';
import { entryShapeProblem } from '../../core/ledger-entry-shape.js';
import type { LedgerEntry } from '../../ports/ledger.js';
import { headPath, readChainHead } from './ledger-chain-io.js';
import { checkpointsPath, readCheckpointLines } from './ledger-checkpoints.js';
import { errorCode, nodeFileSystem, retryingFileSystem } from './ledger-file-system.js';
import { scanLines } from './line-scanner.js';

export type LedgerFileVerdict = ChainVerdict & {
  path: string;
  /** The head record read from `<path>.head`, or null when there is none. */
  head: ChainHead | null;
  /** Things worth knowing that do not break the chain (an unreadable head file...). */
  warnings: string[];
  /** Against the signed checkpoints: set when a public key was given. */
  signed?: SignedVerdict;
};

export interface VerifyOptions {
  /** Checks the chain against the checkpoints this key signed (see checkpoint-verdict.ts). */
  publicKey?: KeyObject;
}

export type LedgerCostReport = CostReport & {
  /** Whether the chain is sound; a report still sums every readable entry of a broken ledger. */
  chain: LedgerFileVerdict;
  /** Lines that could not be read as entries and were left out of the sums. */
  skipped_lines: number;
};

export interface LedgerCostReports {
  reports: Record<CostDimension, CostReport>;
  chain: LedgerFileVerdict;
  skipped_lines: number;
}

/** Verifies the whole chain of the ledger at `path` and its head. NOT_FOUND when there is no file. */
export async function verifyLedgerFile(
  path: string,
  options: VerifyOptions = {},
): Promise<LedgerFileVerdict> {
  return (await walkLedgerFile(path, () => undefined, options.publicKey)).chain;
}

/** Every readable entry of the ledger, oldest first; unreadable lines are skipped (verify names them). */
export async function readLedgerEntries(path: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  await walkLedgerFile(path, (entry) => entries.push(entry));
  return entries;
}

/** Cost of the ledger's calls grouped by model, UTC day or task, with the chain's verdict. */
export async function reportLedgerFile(path: string, by: CostDimension): Promise<LedgerCostReport> {
  const { reports, chain, skipped_lines } = await reportLedgerFileAll(path);
  return { ...reports[by], chain, skipped_lines };
}

/** The three cost reports from one pass over the file. */
export async function reportLedgerFileAll(path: string): Promise<LedgerCostReports> {
  const aggregator = new CostAggregator();
  const walk = await walkLedgerFile(path, (entry) => aggregator.add(entry));
  return {
    reports: {
      model: aggregator.report('model'),
      day: aggregator.report('day'),
      task: aggregator.report('task'),
    },
    chain: walk.chain,
    skipped_lines: walk.skipped,
  };
}

/** How long a read failing with EMFILE, ENFILE or EAGAIN is retried. */
const TRANSIENT_RETRY_MS = 10_000;

/** A line without a newline may be a batch still being written: look again this many times. */
const GROWTH_CHECKS = 5;

async function walkLedgerFile(
  path: string,
  visit: (entry: LedgerEntry) => void,
  publicKey?: KeyObject,
): Promise<{ chain: LedgerFileVerdict; skipped: number }> {
  const fileSystem = retryingFileSystem(nodeFileSystem, TRANSIENT_RETRY_MS);
  const warnings: string[] = [];
  let fd: number;
  try {
    fd = await fileSystem.open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      throw new SymbiontError('NOT_FOUND', `no ledger at ${path} (nothing has been recorded there yet)`, {
        context: { path },
      });
    }
    throw new SymbiontError('LEDGER_CORRUPT', `cannot read ledger ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  try {
    const head = (await readChainHead(fileSystem, path, (message) => warnings.push(message))) ?? null;
    const verifier = new ChainVerifier(head ? { head } : {});
    const judge = publicKey ? await loadJudge(path, publicKey, warnings) : undefined;
    let skipped = 0;
    const readLine = (text: string) => {
      const outcome = verifier.push(text);
      if (outcome.ok) judge?.see(outcome.entry.seq, outcome.entry.hash, verifier.position.line);
      const entry = outcome.ok ? outcome.entry : parseLeniently(text);
      if (entry) visit(entry);
      else skipped += 1;
      return outcome;
    };
    let from = 0;
    let unterminated: ChainBroken | undefined;
    for (let check = 0; ; check += 1) {
      const { size } = await fileSystem.fstat(fd);
      const scan = await scanLines(fileSystem, fd, from, size, (line) => readLine(line.text));
      from = scan.completeEnd;
      if (scan.remainder.length === 0) break;
      await delay(5);
      if ((await fileSystem.fstat(fd)).size > size && check < GROWTH_CHECKS) continue;
      const outcome = readLine(scan.remainder.toString('utf8'));
      if (outcome.ok) unterminated = unterminatedLine(verifier, outcome.entry.seq);
      break;
    }
    const verdict = unterminated ?? verifier.finish();
    if (head === null && verdict.ok && verdict.entries > 0) {
      warnings.push(`no head file ${headPath(path)}: truncation of the last entries cannot be detected`);
    }
    const chain: LedgerFileVerdict = { ...verdict, path, head, warnings };
    if (judge) chain.signed = judge.finish(verifier.position.seq);
    return { chain, skipped };
  } finally {
    await fileSystem.close(fd);
  }
}

async function loadJudge(path: string, publicKey: KeyObject, warnings: string[]): Promise<CheckpointJudge> {
  const judge = new CheckpointJudge(publicKey);
  const { lines, torn } = await readCheckpointLines(nodeFileSystem, path);
  for (const line of lines) judge.addCheckpoint(line);
  if (torn) warnings.push(`${checkpointsPath(path)} ends with a torn line (an interrupted write), left out`);
  return judge;
}

function unterminatedLine(verifier: ChainVerifier, seq: number): ChainBroken {
  const { line } = verifier.position;
  const detail = 'no newline at the end (an interrupted write; opening the ledger sets it aside)';
  return {
    ok: false,
    line,
    seq,
    problem: 'unterminated',
    detail,
    reason: `line ${line}: ${detail}`,
    entries: line - 1,
  };
}

function parseLeniently(text: string): LedgerEntry | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    return entryShapeProblem(value as Record<string, unknown>) ? undefined : (value as LedgerEntry);
  } catch {
    return undefined;
  }
}
