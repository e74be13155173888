// What `doctor` and `serve` say about the data directory's permissions (owner-only expected).

export { dataDirWarnings } from '../adapters/system/data-dir.js';
