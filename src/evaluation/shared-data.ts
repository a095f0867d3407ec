import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A folder of the evaluation data shared beside the checkout (`<repo>/../shared/data/<name>`),
 * found from the repository root so it resolves the same from src/ under ts-node and from dist/.
 */
export function sharedDataDir(name: string): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return join(dir, '..', 'shared', 'data', name);
}
