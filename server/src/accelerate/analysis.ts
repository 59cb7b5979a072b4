/**
 * The analysis of an accelerate config file (YAML with `distributed_type` or
 * `compute_environment`): tree-sitter YAML read into ranged values, accelerate's own checks, the
 * DeepSpeed file it names, and the scripts launched with `accelerate launch --config_file` run
 * with this file as written (ZeRO stage and offload, mixed precision, process count).
 */
import { realpathSync } from 'node:fs';
import { basename, sep } from 'node:path';
import { Parser } from 'web-tree-sitter';
import { estimate } from '../../../estimator/src';
import type { TrainingJob } from '../../../estimator/src/types';
import type { Analysis, Fix, TextEdit } from '../analysis/types';
import type { ConfigContext } from '../deepspeed/analysis';
import { completionsAt } from '../deepspeed/completion';
import { offsetAt, positionAt, rangeAt, replaceSpan } from '../deepspeed/edits';
import { keyHover, locate, type ConfigUserJob, type Location } from '../deepspeed/hover';
import type { JsonValue } from '../deepspeed/interpret';
import { memberOf, plainValue, type JsonDocument, type JsonNode } from '../deepspeed/json-tree';
import { ConfigLinks } from '../deepspeed/links';
import { ScriptCache } from '../deepspeed/script-cache';
import { TreeCache } from '../parsing/trees';
import { stageTable, withZero, type OffloadVariant } from '../deepspeed/stages';
import type { Languages } from '../parsing/languages';
import { gib } from '../render/units';
import { uriToPath, type WorkspaceFiles } from '../workspace/files';
import { accelerateFindings, acFinding, linkedDeepSpeed, precisionFindings, type AccelerateFindings } from './rules';
import { ACCELERATE_SCHEMA } from './schema';
import { readYamlTree } from './yaml-tree';
import { launchGpus, readAccelerateConfig, settingsOf, withOpenConfig, type AccelerateLaunch } from './launch-settings';
import { parseLaunchCommand } from '../launch/command';

/** A YAML file is an accelerate config when it has one of the keys `accelerate config` always writes. */
export function isAccelerateConfig(text: string): boolean {
  return /^(distributed_type|compute_environment)\s*:/m.test(text);
}

type Mapping = JsonNode & { kind: 'object' };

export class AccelerateAnalyzer {
  private readonly yaml = new Parser();
  private readonly json = new Parser();
  private readonly python = new Parser();
  private readonly links: ConfigLinks;
  private readonly scripts = new ScriptCache();
  /** The tree of each open config, re-parsed incrementally after an edit (parsing/trees.ts), as DeepSpeed configs are. */
  private readonly trees = new TreeCache(this.yaml);

  constructor(languages: Languages) {
    this.yaml.setLanguage(languages.yaml);
    this.json.setLanguage(languages.json);
    this.python.setLanguage(languages.python);
    this.links = new ConfigLinks(this.python);
  }

  analyze(doc: { uri: string; text: string }, ctx: ConfigContext): Analysis {
    const parsed = readYamlTree(this.trees.parse(doc.uri, doc.text).tree);
    const root = parsed.root?.kind === 'object' ? parsed.root : undefined;
    const out: AccelerateFindings = accelerateFindings(parsed, doc.text);
    const dsFile = linkedDeepSpeed(root, doc.uri, ctx.files, this.json, out);
    const config = readAccelerateConfig(doc.text, doc.uri, basename(uriToPath(doc.uri) ?? doc.uri));
    const users = this.users(doc.uri, ctx).map(({ analysis, launch, ...u }) => {
      // The script was analysed with the saved copy of this file; the open text decides (launch-settings.ts reads both).
      const settings = settingsOf(config, launch, ctx.files, doc.uri, []);
      return { ...u, job: root ? withOpenConfig(analysis, doc.uri, settings, launchGpus(launch.command, settings)).job : analysis.job };
    });
    precisionFindings(root, dsFile, users[0]?.gpu ?? ctx.gpu, out);
    const fixes = root && users[0] ? memory(root, doc.text, users[0], out) : [];
    const primary = users[0];
    const deepspeed = plainOf(root).distributed_type === 'DEEPSPEED';
    return {
      file: doc.uri,
      job: primary?.job ?? null,
      values: {},
      gpu: primary?.gpu ?? ctx.gpu,
      estimate: primary ? estimate(primary.job, primary.gpu) : null,
      findings: out.findings,
      fixes,
      editFixes: out.editFixes,
      assumptions: users.length ? users.map((u) => `used by ${u.label}`) : ['no launch script in the workspace uses this config'],
      anchors: [],
      config: {
        hover: (position) => {
          const at = locateYaml(parsed, doc.text, offsetAt(doc.text, position));
          return at ? keyHover(at, deepspeed ? users : [], ACCELERATE_SCHEMA, deepspeed) : null;
        },
        complete: (position) => {
          const offset = offsetAt(doc.text, position);
          const at = locateYaml(parsed, doc.text, offset);
          return at ? completionsAt(at, doc.text, offset, ACCELERATE_SCHEMA.specAt, 'yaml') : [];
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
    this.yaml.delete();
    this.json.delete();
    this.python.delete();
  }

  /** Scripts launched with this file (`accelerate launch --config_file <this> train.py`), analysed as launched, with their launch lines. */
  private users(uri: string, ctx: ConfigContext): (Omit<ConfigUserJob, 'job'> & { analysis: Analysis & { job: TrainingJob }; launch: AccelerateLaunch })[] {
    const files: WorkspaceFiles | undefined = ctx.files;
    const path = uriToPath(uri);
    if (!files || !path || !ctx.analyzeScript) return [];
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return [];
    }
    if (!files.roots.some((r) => real.startsWith(r.endsWith(sep) ? r : r + sep))) return [];
    return this.links.referencesTo(real, files).slice(0, 4).flatMap((ref) => {
      const read = files.read(ref.script, uri);
      if (!read.ok) return [];
      const command = ref.command ? parseLaunchCommand(ref.command) : undefined;
      const analysis = this.scripts.analyze(ctx.analyzeScript!, read, { ...ctx.settings, ...(ref.command ? { command: ref.command } : {}) }, uri);
      const { job } = analysis;
      return job && command ? [{ label: ref.label, gpu: analysis.gpu, analysis: { ...analysis, job }, launch: { command, label: ref.label } }] : [];
    });
  }
}

function plainOf(root: JsonNode | undefined): Record<string, JsonValue> {
  const v = root ? plainValue(root) : {};
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** AC011 when the launched job does not fit, with inline ZeRO changes (not when a DeepSpeed file decides them). */
function memory(root: Mapping, text: string, user: ConfigUserJob, out: AccelerateFindings): Fix[] {
  const now = estimate(user.job, user.gpu);
  if (now.fits) return [];
  const dsConfig = memberOf(root, 'deepspeed_config');
  const inline = dsConfig?.value?.kind === 'object' && !memberOf(dsConfig.value, 'deepspeed_config_file') ? dsConfig.value : undefined;
  const current = user.job.zero;
  const fixes: Fix[] = [];
  if (inline && current && plainOf(root).distributed_type === 'DEEPSPEED') {
    const better = stageTable(user.job, user.gpu).filter((c) => c.stage >= current.stage && c.estimate.per_gpu.total < now.per_gpu.total);
    for (const cell of better.sort((a, b) => Number(b.estimate.fits) - Number(a.estimate.fits) || a.stage - b.stage).slice(0, 3)) {
      const after = cell.estimate.per_gpu.total;
      const zero = withZero(user.job, cell.stage, cell.offload).zero!;
      fixes.push({
        id: `ac-stage:${cell.stage}:${cell.offload}`,
        title: `zero_stage ${cell.stage}${offloadWords(cell.offload)} (saves ${gib(now.per_gpu.total - after)})`,
        saves_bytes: now.per_gpu.total - after,
        total_after_bytes: after,
        fits_after: cell.estimate.fits,
        edits: yamlSet(text, inline, [['zero_stage', String(cell.stage)], ['offload_optimizer_device', zero.offload_optimizer], ['offload_param_device', zero.offload_param]]),
      });
    }
  }
  const at = memberOf(inline, 'zero_stage')?.value?.range ?? memberOf(root, 'distributed_type')?.value?.range ?? root.range;
  out.findings.push(acFinding('AC011', at, `${user.label} needs ${gib(now.per_gpu.total)} per GPU with this config; ${user.gpu.id} has ${gib(user.gpu.memory_bytes)}`, fixes.map((f) => f.id)));
  return fixes;
}

function offloadWords(offload: OffloadVariant): string {
  return offload === 'none' ? '' : offload === 'optimizer' ? ', optimizer offload to CPU' : ', optimizer and parameter offload to CPU';
}

/** Sets keys of a block mapping: replaces written values, appends missing keys at the members' indentation. */
function yamlSet(text: string, mapping: Mapping, pairs: [string, string][]): TextEdit[] {
  const edits: TextEdit[] = [];
  const missing: string[] = [];
  for (const [key, value] of pairs) {
    const written = memberOf(mapping, key);
    if (written?.value) {
      if (!('value' in written.value) || String(written.value.value) !== value) edits.push(replaceSpan(written.value, value));
    } else if (value !== 'none') missing.push(`${key}: ${value}`);
  }
  const last = mapping.members[mapping.members.length - 1];
  if (missing.length && last) {
    const indent = ' '.repeat(last.keySpan.range.start.character);
    const at = positionAt(text, last.span.end);
    edits.push({ range: { start: at, end: at }, newText: missing.map((line) => `\n${indent}${line}`).join('') });
  }
  return edits;
}

/**
 * Where an offset falls in a YAML document. On a blank line the indentation decides the mapping
 * (the deepest one whose keys start at the cursor's column); a scalar where a mapping belongs
 * (`deepspeed_config:` then `  zero_st`) is a key being typed in that mapping.
 */
function locateYaml(doc: JsonDocument, text: string, offset: number): Location | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const lineEnd = text.indexOf('\n', offset);
  const after = text.slice(offset, lineEnd === -1 ? text.length : lineEnd);
  if (doc.root?.kind === 'object' && /^ *$/.test(before) && /^\s*$/.test(after)) {
    const found = mappingAtColumn(doc.root, [], before.length, positionAt(text, offset).line);
    if (found) return { ...found, on: 'object' };
  }
  const at = locate(doc.root, offset) ?? (doc.root?.kind === 'object' && offset >= doc.root.end ? { path: [], object: doc.root, on: 'object' as const } : undefined);
  const value = at?.member?.value;
  if (at?.on === 'value' && at.member && value?.kind === 'string' && ACCELERATE_SCHEMA.specAt([...at.path, at.member.key])?.keys) {
    return { path: [...at.path, at.member.key], object: { ...value, kind: 'object', members: [], partialKeys: [] }, on: 'key', partialKey: { start: value.start, end: value.end, range: rangeAt(text, value.start, value.end) } };
  }
  return at;
}

function mappingAtColumn(mapping: Mapping, path: string[], column: number, line: number): { path: string[]; object: Mapping } | undefined {
  if (mapping.range.start.line > line) return undefined;
  for (const m of [...mapping.members].reverse()) {
    if (m.value?.kind === 'object' && m.value.range.start.line <= line) {
      const inner = mappingAtColumn(m.value, [...path, m.key], column, line);
      if (inner) return inner;
    }
  }
  return mapping.members[0]?.keySpan.range.start.character === column ? { path, object: mapping } : undefined;
}
