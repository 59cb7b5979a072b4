/**
 * The analysis of one document, end to end: parse (tree kept per URI), facts, job with
 * provenance, estimate, findings and fixes. Synchronous once the grammars are loaded; bad input
 * gives an Analysis with a clear finding, never an exception.
 */
import { Parser } from 'web-tree-sitter';
import { findGpu, type PlanOptions } from '../../../estimator/src';
import { cachedEstimate } from './estimate-cache';
import type { Gpu } from '../../../estimator/src/types';
import { defaultAssets, type Assets } from '../parsing/assets';
import { loadLanguages } from '../parsing/languages';
import { QueryStore } from '../parsing/queries';
import { TreeCache } from '../parsing/trees';
import { Evaluator } from '../python/evaluate';
import type { WorkspaceFiles } from '../workspace/files';
import { DeepSpeedAnalyzer } from '../deepspeed/analysis';
import { AccelerateAnalyzer, isAccelerateConfig } from '../accelerate/analysis';
import { findLaunch, unusedLauncher } from '../launch/discover';
import { launchContext, scriptArgsOf } from '../launch/script-args';
import { PythonModules } from '../python/modules';
import { StatementFacts } from '../python/statement-facts';
import { applyDirectives } from './directives';
import { deepSpeedSummaryMarkdown } from '../deepspeed/summary';
import { buildYamlJob, isTrainerYaml } from './yaml-job';
import { unreadableTuneConfigs } from './torchtune-launch';
import { bestPlan, buildFixes, singleChangeWriter, writablePlans, type WrittenPlan } from '../fixes/build';
import { jsonReader, type WriterContext } from '../fixes/context';
import { scriptFindings } from './findings';
import { buildScriptJob, type ScriptJob } from './script-job';
import type { Analysis, AnalysisSettings, Finding } from './types';

export interface Analyzer {
  /**
   * Analyse one document; keeps its tree for reuse until close(uri). `files` lets the analysis read
   * the configs and launchers the script names (only inside the workspace roots); without it,
   * referenced files are reported as not read.
   */
  analyze(doc: { uri: string; text: string; version: number }, settings: AnalysisSettings, files?: WorkspaceFiles): Analysis;
  /**
   * Analyse one document, then plan the fastest changes that make its job fit (estimator/src/planner.ts), each
   * plan with the edit that applies it; no plans for documents without a job.
   */
  plan(doc: { uri: string; text: string; version: number }, settings: AnalysisSettings, files?: WorkspaceFiles, options?: PlanOptions): { analysis: Analysis; plans: WrittenPlan[]; estimates: number };
  close(uri: string): void;
  dispose(): void;
  /** For tests: every query compiled, by language. */
  readonly queries: QueryStore;
}

const DEFAULT_GPU = 'A100-80GB';

export async function createAnalyzer(assets: Partial<Assets> = {}): Promise<Analyzer> {
  const { grammarDir, queryDir, projectRoot } = { ...defaultAssets(), ...assets };
  const languages = await loadLanguages(grammarDir, projectRoot);
  const queries = new QueryStore(queryDir, languages);
  const parser = new Parser();
  parser.setLanguage(languages.python);
  const trees = new TreeCache(parser, () => new StatementFacts(queries));
  const deepspeed = new DeepSpeedAnalyzer(languages);
  const accelerate = new AccelerateAnalyzer(languages);
  const json = jsonReader(languages.json);
  const modules = new PythonModules(parser, queries);
  /** A document read into a job (with what fixes need to write edits), or an analysis that has no job to plan. */
  const readJob = (doc: { uri: string; text: string; version: number }, settings: AnalysisSettings, files?: WorkspaceFiles): JobRead => {
    if (isJson(doc.uri)) return { analysis: deepspeed.analyze(doc, { settings, gpu: resolveGpu(settings.gpu), files, analyzeScript: (d, st) => analyzer.analyze(d, st, files) }) };
    if (isYaml(doc.uri)) {
      const gpu = resolveGpu(settings.gpu);
      if (isAccelerateConfig(doc.text)) return { analysis: accelerate.analyze(doc, { settings, gpu, files, analyzeScript: (d, st) => analyzer.analyze(d, st, files) }) };
      if (!isTrainerYaml(doc.text)) return { analysis: notAScript(doc.uri, gpu) };
      const yamlJob = buildYamlJob(doc.text, doc.uri, settings, files);
      return { gpu, findings: [], writer: { uri: doc.uri, text: doc.text, script: yamlJob, files, json: json.read } };
    }
    // a shell script holds launch lines, read for the scripts and configs they launch; said here: configs TrainLens cannot open
    if (isShell(doc.uri)) return { analysis: { ...notAScript(doc.uri, resolveGpu(settings.gpu)), ...unreadableTuneConfigs(doc.text, doc.uri, files) } };
    if (!isPython(doc.uri)) return { analysis: notAScript(doc.uri, resolveGpu(settings.gpu)) };
    const { tree, state: statementFacts } = trees.parse(doc.uri, doc.text);
    const facts = statementFacts.extract(tree, doc.text);
    const directives = applyDirectives(facts.directives, settings);
    const gpu = resolveGpu(directives.settings.gpu);
    const launch = findLaunch(doc.uri, files, directives.settings.command, directives.launcher);
    const gpuCount = { value: directives.settings.gpus, from: directives.gpusExplicit ? 'the # trainlens: gpus= comment' : 'the trainlens.gpuCount setting (--gpus in the CLI)' };
    const evaluator = new Evaluator(facts, scriptArgsOf(launch), { ...launchContext(launch), uri: doc.uri, gpu, gpuCount, files, modules });
    const script = buildScriptJob(facts, evaluator, doc.uri, directives.settings, { files, launch, directives });
    if (!launch && directives.launcher && files && !directives.settings.command) script.assumptions.push(unusedLauncher(doc.uri, files, directives.launcher));
    if (directives.from) {
      const { row, column } = directives.from.endPosition;
      script.values.gpu = { value: gpu.id, status: 'known', source: { file: doc.uri, range: { start: { line: directives.from.startPosition.row, character: 0 }, end: { line: row, character: column } } }, reason: '# trainlens: comment' };
    }
    return { gpu, findings: directives.findings, writer: { uri: doc.uri, text: doc.text, root: tree.rootNode, script, files, json: json.read } };
  };

  const analyzer: Analyzer = {
    queries,
    analyze(doc, settings, files) {
      const read = readJob(doc, settings, files);
      return 'analysis' in read ? read.analysis : finish(doc, read.writer.script, read.gpu, read.findings, read.writer);
    },
    plan(doc, settings, files, options) {
      const read = readJob(doc, settings, files);
      if ('analysis' in read) return { analysis: read.analysis, plans: [], estimates: 0 };
      const analysis = finish(doc, read.writer.script, read.gpu, read.findings, read.writer);
      return { analysis, ...(analysis.job ? writablePlans(read.writer, read.gpu, options) : { plans: [], estimates: 0 }) };
    },
    close: (uri) => (trees.close(uri), deepspeed.close(uri), accelerate.close(uri)),
    dispose() {
      trees.dispose();
      modules.dispose();
      parser.delete();
      json.dispose();
      deepspeed.dispose();
      accelerate.dispose();
    },
  };
  return analyzer;
}

/** A job read from a document, or an analysis with no job to plan (configs, other files). */
type JobRead = { analysis: Analysis } | { gpu: Gpu; findings: Finding[]; writer: WriterContext };

/** JSON documents are DeepSpeed configs (or nothing TrainLens reads): server/src/deepspeed/. */
function isJson(uri: string): boolean {
  return /\.json$/i.test(uri);
}

function isYaml(uri: string): boolean {
  return /\.ya?ml$/i.test(uri);
}

function isShell(uri: string): boolean {
  return /\.(sh|bash)$/i.test(uri);
}

function isPython(uri: string): boolean {
  return !isJson(uri) && !isYaml(uri);
}

/** Estimate, fixes and findings of a job read from a script or a trainer config. */
function finish(doc: { uri: string; text: string }, script: ScriptJob, gpu: Gpu, extraFindings: Finding[], writer: WriterContext): Analysis {
  script.values.gpu ??= { value: gpu.id, status: 'known', reason: 'from settings' };
  const estimate = script.job ? cachedEstimate(script.job, gpu) : null;
  const write = singleChangeWriter(writer);
  const fixes = script.job && estimate ? buildFixes(writer, gpu, estimate, write) : [];
  const best = script.job && estimate && !estimate.fits ? bestPlan(writer, gpu, estimate, write) : undefined;
  return {
    file: doc.uri,
    job: script.job,
    values: script.values,
    gpu,
    estimate,
    findings: [...extraFindings, ...scriptFindings(script, estimate, gpu, fixes)],
    fixes,
    assumptions: script.assumptions,
    anchors: script.anchors,
    ...(best ? { bestPlan: best } : {}),
    ...(script.sites.deepspeed ? { configSummary: deepSpeedSummaryMarkdown(script.sites.deepspeed.label, script.sites.deepspeed.settings) } : {}),
  };
}

function notAScript(file: string, gpu: Gpu): Analysis {
  return { file, job: null, values: {}, gpu, estimate: null, findings: [], fixes: [], assumptions: [], anchors: [] };
}

function resolveGpu(id: string): Gpu {
  return findGpu(id) ?? findGpu(DEFAULT_GPU)!;
}
