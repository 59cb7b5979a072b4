/** TrainLens estimator: pure functions from a TrainingJob and a GPU to memory, FLOPs and fixes. */
export * from './types';
export * from './catalog';
export { countParams, type ParamCount } from './params';
export { estimate } from './estimate';
export { fitFixes, type FitFix, type FitFixId } from './fixes';
export { planFits, type Plan, type PlanOptions, type PlanResult } from './planner';
export { jobChanges, type JobChange, type ChangeGroup, type ChangeTier } from './planner-changes';
export { activeParams, flopsPerStep, inferenceFlops, trainingFlopsPerToken, tokensPerStep } from './flops';
export { computeEstimate, DEFAULT_UTILIZATION, peakFlops, UTILIZATION_SOURCE } from './compute';
export { estimateInference, kvBytesPerToken } from './inference';
export { simulations, simulateStep, fa2Supported, type Simulations } from './sim';
