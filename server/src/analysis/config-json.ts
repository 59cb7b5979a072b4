/**
 * A model's Hugging Face `config.json`, for models outside the catalog: a local model folder named
 * by path (relative to the script or the workspace), or a hub id already in the local Hugging Face
 * cache (`<cache>/models--org--name/snapshots/<rev>/config.json`, the revision `refs/main` names
 * first). Never the network. The config's `model_type` picks the config class whose keys apply.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { archProblem } from '../../../estimator/src/catalog';
import type { ModelArch } from '../../../estimator/src/types';
import type { WorkspaceFiles } from '../workspace/files';
import { CONFIG_CLASSES } from './model-configs';

const MODEL_TYPES: Record<string, keyof typeof CONFIG_CLASSES> = {
  gpt2: 'GPT2Config', llama: 'LlamaConfig', mistral: 'MistralConfig', qwen2: 'LlamaConfig', opt: 'OPTConfig',
};

export type ConfigLookup = { ok: true; arch: ModelArch; where: string } | { ok: false; reason: string };

export function modelFromConfigJson(id: string, fromUri: string, files: WorkspaceFiles): ConfigLookup {
  const local = files.read(join(id, 'config.json'), fromUri);
  if (local.ok) return archFromConfig(id, local.text, local.path);
  const cached = files.readHubConfig(id);
  if (cached.ok) return archFromConfig(id, cached.text, cached.path);
  return { ok: false, reason: `"${id}" is not in TrainLens's model catalog, not a model folder in the workspace, and not in the Hugging Face cache` };
}

function archFromConfig(id: string, text: string, where: string): ConfigLookup {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, reason: `${where} is not valid JSON: ${(err as Error).message}` };
  }
  const clsName = MODEL_TYPES[String(config.model_type)];
  if (!clsName) return { ok: false, reason: `${where}: model_type "${String(config.model_type)}" is not one TrainLens can count (gpt2, llama, mistral, qwen2, opt)` };
  const cls = CONFIG_CLASSES[clsName];
  const arch: ModelArch = { id, family: cls.family, ...cls.defaults, source: where };
  const given = new Set<keyof ModelArch>();
  for (const [key, field] of Object.entries(cls.keys)) {
    const v = config[key];
    if (typeof v === 'number' || typeof v === 'boolean') {
      (arch as unknown as Record<string, unknown>)[field] = v;
      given.add(field);
    }
  }
  cls.derive(arch, given as Set<never>);
  if (config.model_type === 'qwen2') arch.qkv_bias = true;
  const problem = archProblem(arch);
  if (problem) return { ok: false, reason: `${where}: ${problem}` };
  return { ok: true, arch, where };
}

/** `<cache>/models--org--name/snapshots/<rev>/config.json`, the revision in refs/main first. */
export function hubConfigPath(cacheRoot: string, id: string): string | undefined {
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return undefined;
  const repo = join(cacheRoot, `models--${id.replace('/', '--')}`);
  let revisions: string[];
  try {
    revisions = readdirSync(join(repo, 'snapshots'));
  } catch {
    return undefined;
  }
  let main: string | undefined;
  try {
    main = readFileSync(join(repo, 'refs', 'main'), 'utf8').trim();
  } catch {
    main = undefined;
  }
  const ordered = main && revisions.includes(main) ? [main, ...revisions.filter((r) => r !== main)] : revisions;
  return ordered.map((r) => join(repo, 'snapshots', r, 'config.json'))[0];
}
