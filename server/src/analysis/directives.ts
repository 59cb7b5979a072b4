/**
 * In-file settings: a comment `# trainlens: gpu=V100-32GB gpus=8` overrides the editor or CLI GPU
 * settings for that file. Unknown keys or GPU ids are reported, never silently dropped.
 */
import type { Node } from 'web-tree-sitter';
import { findGpu, GPU_IDS } from '../../../estimator/src/catalog';
import type { AnalysisSettings, Finding } from './types';
import { rangeOf } from './values';

export interface DirectiveResult { settings: AnalysisSettings; findings: Finding[]; from?: Node }

export function applyDirectives(comments: Node[], base: AnalysisSettings): DirectiveResult {
  const settings = { ...base };
  const findings: Finding[] = [];
  let from: Node | undefined;
  for (const comment of comments) {
    const body = comment.text.replace(/^#\s*trainlens:/, '');
    for (const pair of body.trim().split(/[\s,]+/).filter(Boolean)) {
      const [key, value = ''] = pair.split('=');
      const problem = (message: string) => findings.push({ code: 'TL004', severity: 'warning', message, range: rangeOf(comment) });
      if (key === 'gpu') {
        const gpu = findGpu(value);
        if (gpu) { settings.gpu = gpu.id; from = comment; }
        else problem(`unknown GPU "${value}" in trainlens comment; known: ${GPU_IDS.join(', ')}`);
      } else if (key === 'gpus') {
        const n = Number(value);
        if (Number.isInteger(n) && n >= 1) { settings.gpus = n; from = comment; }
        else problem(`gpus must be a whole number ≥ 1, got "${value}"`);
      } else {
        problem(`unknown trainlens setting "${key}"; use gpu=<id> and gpus=<count>`);
      }
    }
  }
  return { settings, findings, from };
}
