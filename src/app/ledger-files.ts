// The ledger file, read without opening the app (`symbiont ledger verify|report --ledger FILE`).

export { reportLedgerFileAll, verifyLedgerFile } from '../adapters/ledger/ledger-file-reader.js';
