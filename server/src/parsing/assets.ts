/**
 * Where the grammar wasm files and the .scm queries are: beside the bundle (dist/grammars,
 * dist/queries) when running from dist/, or in the project tree when running from source.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Assets { grammarDir: string; queryDir: string; projectRoot: string }

export function defaultAssets(): Assets {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  let root = here;
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const bundled = join(here, 'queries');
  return {
    grammarDir: join(here, 'grammars'),
    queryDir: existsSync(bundled) ? bundled : join(root, 'grammars', 'queries'),
    projectRoot: root,
  };
}
