/**
 * The analysis of a DeepSpeed config document: parse with tree-sitter JSON (the tree is kept per
 * document and re-parsed incrementally after an edit, parsing/trees.ts; the analysis keeps only the
 * ranged values read from it), find the scripts that use the file, run the rules, and
 * estimate the first script's job as run with this config. A JSON file that is not a DeepSpeed
 * config (no DeepSpeed top-level key, named by no script) gets an empty analysis.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import type { Gpu } from '../../../estimator/src/types';
import type { Analysis, AnalysisSettings, EditFix } from '../analysis/types';
import type { Languages } from '../parsing/languages';
import { TreeCache } from '../parsing/trees';
import { uriToPath, type WorkspaceFiles } from '../workspace/files';
import { Parser } from 'web-tree-sitter';
import { completionsAt } from './completion';
import { offsetAt } from './edits';
import { keyHover, locate, type ConfigUserJob } from './hover';
import { interpretDeepSpeedConfig } from './interpret';
import { jobFindings, type ConfigUser } from './job-rules';
import { memberOf, plainValue, readJsonTree, type JsonDocument } from './json-tree';
import { ConfigLinks } from './links';
import { ScriptCache, type ScriptAnalyzer } from './script-cache';
import { STAGE3_FIX, structuralFindings } from './rules';
import { jobWithConfig } from './stages';

export type { ScriptAnalyzer } from './script-cache';

export interface ConfigContext {
  settings: AnalysisSettings;
  gpu: Gpu;
  files?: WorkspaceFiles;
  analyzeScript?: ScriptAnalyzer;
}

/** Scripts analysed per config (the hover shows at most three). */
const MAX_USERS = 4;

/** Top-level keys only a DeepSpeed config has (runtime/constants.py). */
const DEEPSPEED_KEYS = ['zero_optimization', 'train_batch_size', 'train_micro_batch_size_per_gpu'];

export class DeepSpeedAnalyzer {
  private readonly json = new Parser();
  private readonly python = new Parser();
  private readonly links: ConfigLinks;
  private readonly scripts = new ScriptCache();
  private readonly trees = new TreeCache(this.json);

  constructor(languages: Languages) {
    this.json.setLanguage(languages.json);
    this.python.setLanguage(languages.python);
    this.links = new ConfigLinks(this.python);
  }

  analyze(doc: { uri: string; text: string }, ctx: ConfigContext): Analysis {
    const parsed = readJsonTree(this.trees.parse(doc.uri, doc.text).tree);
    const refs = this.references(doc.uri, ctx.files).slice(0, MAX_USERS);
    const base: Analysis = { file: doc.uri, job: null, values: {}, gpu: ctx.gpu, estimate: null, findings: [], fixes: [], assumptions: [], anchors: [] };
    if (!isDeepSpeed(parsed, doc.text) && refs.length === 0) return base;

    const structural = structuralFindings(parsed, doc.text);
    const root = parsed.root?.kind === 'object' ? parsed.root : undefined;
    const ds = interpretDeepSpeedConfig(root ? plainValue(root) : {});
    const users = refs.map((ref): ConfigUser => {
      const read = ctx.files?.read(ref.script, doc.uri);
      if (!read?.ok || !ctx.analyzeScript) return { ref, gpu: ctx.gpu };
      const settings = { ...ctx.settings, ...(ref.gpus !== undefined ? { gpus: ref.gpus } : {}), ...(ref.command ? { command: ref.command } : {}) };
      const analysis = this.scripts.analyze(ctx.analyzeScript, read, settings, doc.uri);
      return { ref, analysis, gpu: analysis.gpu, ...(analysis.job ? { job: jobWithConfig(analysis.job, ds, ref.gpus) } : {}) };
    });
    const byJob: ReturnType<typeof jobFindings> = root ? jobFindings(root, doc.text, ds, users, { gpu: ctx.gpu, gpus: ctx.settings.gpus }) : { findings: [], editFixes: [], fixes: [] };
    const primary = users.find((u) => u.job);
    const userJobs: ConfigUserJob[] = users.flatMap((u) => (u.job ? [{ label: u.ref.label, job: u.job, gpu: u.gpu }] : []));
    const assumptions = [
      ...ds.problems.map((p) => `DeepSpeed config: ${p}`),
      ...(refs.length ? refs.map((r) => `used by ${r.label} (${r.via === 'hf' ? 'Hugging Face Trainer' : r.via === 'accelerate' ? 'accelerate' : 'deepspeed.initialize'})`) : ['no script in the workspace names this config']),
    ];
    return {
      ...base,
      job: primary?.job ?? null,
      gpu: primary?.gpu ?? ctx.gpu,
      estimate: byJob.estimate ?? null,
      // Comments only break json.load (HF, accelerate): configs used by bare deepspeed.initialize alone may have them.
      findings: [...structural.findings.filter((f) => f.code !== 'DS002' || !refs.length || refs.some((r) => r.via !== 'deepspeed')), ...byJob.findings],
      fixes: byJob.fixes,
      editFixes: titled([...structural.editFixes, ...byJob.editFixes], byJob.fixes),
      assumptions,
      config: {
        hover: (position) => {
          const at = locate(parsed.root, offsetAt(doc.text, position));
          return at ? keyHover(at, userJobs) : null;
        },
        complete: (position) => {
          const offset = offsetAt(doc.text, position);
          const at = locate(parsed.root, offset);
          return at ? completionsAt(at, doc.text, offset) : [];
        },
      },
    };
  }

  /** Frees the tree of a closed document. */
  close(uri: string): void {
    this.trees.close(uri);
  }

  dispose(): void {
    this.trees.dispose();
    this.json.delete();
    this.python.delete();
  }

  private references(uri: string, files: WorkspaceFiles | undefined) {
    const path = uriToPath(uri);
    if (!files || !path) return [];
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return [];
    }
    return files.roots.some((r) => real.startsWith(r.endsWith(sep) ? r : r + sep)) ? this.links.referencesTo(real, files) : [];
  }
}

function isDeepSpeed(doc: JsonDocument, text: string): boolean {
  if (doc.root?.kind === 'object') return DEEPSPEED_KEYS.some((k) => memberOf(doc.root, k));
  return DEEPSPEED_KEYS.some((k) => text.includes(`"${k}"`));
}

/** DS009's stage-3 fix, titled with its effect when a script gives it one. */
function titled(editFixes: EditFix[], fixes: Analysis['fixes']): EditFix[] {
  const sized = fixes.find((f) => f.id === `${STAGE3_FIX}:none`);
  return editFixes.map((f) => (f.id === STAGE3_FIX && sized ? { ...f, title: sized.title } : f));
}
