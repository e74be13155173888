// The ledger file and its signing keys, used without opening the app (`symbiont ledger verify|
// report|keygen`).

export { checkpointsPath } from '../adapters/ledger/ledger-checkpoints.js';
export {
  type LedgerFileVerdict,
  reportLedgerFileAll,
  verifyLedgerFile,
} from '../adapters/ledger/ledger-file-reader.js';
export { generateLedgerKeys, isInside, loadVerifyingKey } from '../adapters/ledger/ledger-keys.js';
export { PostgresLedger } from '../adapters/ledger/postgres-ledger.js';
