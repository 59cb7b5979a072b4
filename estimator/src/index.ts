/** TrainLens estimator: pure functions from a TrainingJob and a GPU to memory, FLOPs and fixes. */
export * from './types';
export * from './catalog';
export { countParams, type ParamCount } from './params';
export { estimate } from './estimate';
export { fitFixes, type FitFix } from './fixes';
export { flopsPerStep } from './flops';
