// Signed checkpoints of the ledger (SPEC §6): the chain's head (seq + hash) signed with an
// Ed25519 key kept outside the data directory, so that a history rewritten with fresh hashes
// no longer matches what was signed. Pure: signing is computation, the key comes in as a value.

import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ChainHead } from './hash-chain.js';
import { HEX64 } from './ledger-entry-shape.js';

/** One line of `<ledger>.checkpoints.jsonl`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  /** ISO time of signing. */
  at: string;
  /** First 16 hex digits of SHA-256 over the public key (SPKI DER): which key signed it. */
  key_id: string;
  /** Ed25519 signature (base64) over checkpointPayload. */
  signature: string;
}

const CHECKPOINT_FIELDS = new Set(['seq', 'hash', 'at', 'key_id', 'signature']);
const DOMAIN = 'symbiont-ledger-checkpoint-v1\n';

/** The bytes that are signed: a domain tag and the canonical JSON of everything but the signature. */
export function checkpointPayload(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  const { seq, hash, at, key_id } = checkpoint;
  return Buffer.from(DOMAIN + canonicalJson({ at, hash, key_id, seq }), 'utf8');
}

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Signs `head` at ISO time `at` with an Ed25519 private key. */
export function signCheckpoint(
  privateKey: KeyObject,
  keyId: string,
  head: ChainHead,
  at: string,
): Checkpoint {
  const unsigned = { seq: head.seq, hash: head.hash, at, key_id: keyId };
  const signature = sign(null, checkpointPayload(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature };
}

export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  try {
    return verify(
      null,
      checkpointPayload(checkpoint),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** The stored line for a checkpoint (with its newline). */
export function checkpointLine(checkpoint: Checkpoint): string {
  return `${canonicalJson(checkpoint)}\n`;
}

/** Reads one checkpoint line; a string says what is wrong (unknown fields are refused too). */
export function parseCheckpoint(text: string): Checkpoint | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !CHECKPOINT_FIELDS.has(key));
  if (unknown !== undefined) return `unknown field ${JSON.stringify(unknown)}`;
  const { seq, hash, at, key_id, signature } = record;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return 'seq is not a whole number';
  if (typeof hash !== 'string' || !HEX64.test(hash)) return 'hash is not 64 hex digits';
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return 'at is not a time';
  if (typeof key_id !== 'string' || !/^[0-9a-f]{16}$/.test(key_id)) return 'key_id is not 16 hex digits';
  if (typeof signature !== 'string' || signature === '') return 'signature is missing';
  return { seq, hash, at, key_id, signature };
}
