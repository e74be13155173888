// The Ed25519 key pair that signs ledger checkpoints: made by `symbiont ledger keygen`, read
// from PEM files, and kept out of the data directory (a key stored beside the ledger would let
// whoever rewrites the ledger sign the rewrite too).

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SymbiontError } from '../../core/errors.js';
import { keyIdOf, signCheckpoint } from '../../core/ledger-checkpoint.js';
import type { CheckpointSigner } from './ledger-checkpoints.js';

export const PRIVATE_KEY_FILE = 'ledger-key.pem';
export const PUBLIC_KEY_FILE = 'ledger-key.pub.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  path: string;
}

/** Writes a new key pair in `dir` (created 0700): the private key 0600, the public key 0644. */
export function generateLedgerKeys(dir: string): { privatePath: string; publicPath: string; keyId: string } {
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [privatePath, publicPath]) {
    if (existsSync(path)) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `${path} exists already; move it away first (a new key cannot verify checkpoints the old one signed)`,
      );
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { privatePath, publicPath, keyId: keyIdOf(publicKey) };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SymbiontError(
      'CONFIG',
      `cannot read the ledger ${what} key ${path}: ${(error as Error).message}`,
      {
        cause: error,
        context: { path },
      },
    );
  }
}

function notEd25519(path: string, what: string, cause?: unknown): SymbiontError {
  return new SymbiontError(
    'CONFIG',
    `${path} is not an Ed25519 ${what} key in PEM form (make one with \`symbiont ledger keygen\`)`,
    { cause, context: { path } },
  );
}

/** The private key that signs; refused when it lies inside the data directory `home`. */
export function loadSigningKey(path: string, home: string): SigningKey {
  if (isInside(path, home)) {
    throw new SymbiontError(
      'CONFIG',
      `the ledger key ${path} is inside the data directory ${home}: keep it elsewhere (e.g. \`symbiont ledger keygen --out ~/.config/symbiont\`), ` +
        'or whoever can rewrite the ledger can sign the rewrite',
      { context: { path, home } },
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readPem(path, 'private'));
  } catch (error) {
    if (SymbiontError.is(error)) throw error;
    throw notEd25519(path, 'private', error);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw notEd25519(path, 'private');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), path };
}

/** The public key that verifies (a private key file is accepted too: its public half is used). */
export function loadVerifyingKey(path: string): KeyObject {
  const pem = readPem(path, 'public');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (error) {
    throw notEd25519(path, 'public', error);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw notEd25519(path, 'public');
  return publicKey;
}

/** Whether `path` is `dir` or lies under it, following symbolic links where they exist. */
export function isInside(path: string, dir: string): boolean {
  const from = canonical(dir);
  const to = canonical(path);
  const rel = relative(from, to);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    // A file not made yet: resolve its directory instead.
    try {
      return join(realpathSync(dirname(absolute)), absolute.slice(dirname(absolute).length + 1));
    } catch {
      return absolute;
    }
  }
}

/** The file ledger's signer for this key. */
export function checkpointSigner(key: SigningKey): CheckpointSigner {
  return { sign: (head, at) => signCheckpoint(key.privateKey, key.keyId, head, at) };
}
