/** The status-bar summary of one analysis: total per GPU against capacity. */
import type { AnalysisResult } from './analyses';
import type { StatusParams } from './protocol';
import type { Settings } from './settings';

export function statusOf(result: AnalysisResult, settings: Settings): StatusParams {
  const { analysis, uri } = result;
  if (!analysis) return { uri, gpu: settings.gpu, capacity_bytes: null, total_bytes: null, fits: null, message: result.error.message };
  const estimate = analysis.estimate;
  return {
    uri,
    gpu: analysis.gpu.id,
    capacity_bytes: estimate?.capacity_bytes ?? analysis.gpu.memory_bytes,
    total_bytes: estimate?.per_gpu.total ?? null,
    fits: estimate?.fits ?? null,
  };
}
