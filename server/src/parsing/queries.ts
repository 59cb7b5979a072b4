/**
 * Tree-sitter queries live in grammars/queries/<language>/<name>.scm and are compiled once per
 * language. A query that fails to compile throws: the test suite compiles every file, so a broken
 * query never ships silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Query } from 'web-tree-sitter';
import type { LanguageId } from './languages';

export class QueryStore {
  private readonly compiled = new Map<string, Query>();

  constructor(private readonly queryDir: string, private readonly languages: Record<LanguageId, Language>) {}

  get(language: LanguageId, name: string): Query {
    const key = `${language}/${name}`;
    let query = this.compiled.get(key);
    if (!query) {
      const source = readFileSync(join(this.queryDir, language, `${name}.scm`), 'utf8');
      try {
        query = new Query(this.languages[language], source);
      } catch (err) {
        throw new Error(`TrainLens: query ${key}.scm does not compile: ${(err as Error).message}`);
      }
      this.compiled.set(key, query);
    }
    return query;
  }

  /** Names of every query file for a language (for the test that compiles them all). */
  names(language: LanguageId): string[] {
    return readdirSync(join(this.queryDir, language))
      .filter((f) => f.endsWith('.scm'))
      .map((f) => f.slice(0, -'.scm'.length));
  }
}
