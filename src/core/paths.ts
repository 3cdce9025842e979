// Where the repository is: the one anchor for its files (the catalogue, features, caches, package.json),
// whatever folder a module or a test lives in.
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
