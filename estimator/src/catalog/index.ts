/** Model and GPU catalogs: architecture numbers and hardware specs with their sources. */
export { MODELS, findModel } from './models';
export { GPUS, GPU_IDS, findGpu } from './gpus';
export { archProblem } from './validate';
