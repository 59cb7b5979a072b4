/**
 * Mixture-of-experts layers: parameters of the experts and the router, and how many of them a token uses.
 *
 * An MoE layer replaces the dense MLP with `num_experts` expert MLPs and a router (a bias-free hidden × experts
 * linear); each token runs through `experts_per_token` of them (Fedus et al. 2021, "Switch Transformers", Sec. 2;
 * transformers/models/mixtral/modeling_mixtral.py MixtralSparseMoeBlock: `gate` Linear(h, E, bias=False) and E
 * experts of w1/w3 (h → f) and w2 (f → h), all bias-free). Memory holds every expert, compute only the active ones:
 * Mixtral 8x7B has 46.7B parameters and uses 12.9B per token (Mistral AI, "Mixtral of experts", 2023).
 */
import type { ParamTensor } from '../params';
import type { ModelArch } from '../types';

/** Width of one expert's FFN: Mixtral's config gives it as intermediate_size, DeepSeek/Qwen-MoE as moe_intermediate_size. */
export function expertWidth(arch: ModelArch): number {
  return arch.moe_intermediate_size ?? arch.intermediate_size;
}

export interface MoeLayerParams {
  /** One expert MLP: gate/up/down in the llama layout (3·h·f), fc1/fc2 with biases otherwise. */
  per_expert: number;
  /** All experts of one layer. */
  experts: number;
  /** The router: hidden × num_experts. */
  router: number;
}

/** Parameters of the MoE part of one layer, or null for a dense model. */
export function moeLayerParams(arch: ModelArch): MoeLayerParams | null {
  if (!arch.num_experts || arch.num_experts < 1) return null;
  const h = arch.hidden_size;
  const f = expertWidth(arch);
  const perExpert = arch.family === 'llama' ? 3 * h * f : 2 * h * f + f + h;
  return { per_expert: perExpert, experts: arch.num_experts * perExpert, router: h * arch.num_experts };
}

/**
 * The MoE block's parameter tensors, in place of the dense MLP's, named as Mixtral names them
 * (block_sparse_moe.gate, block_sparse_moe.experts.N.w1/w3/w2; one entry per matrix with count = layers × experts).
 * Other families get fc1/fc2 experts with biases.
 */
export function moeTensors(arch: ModelArch): ParamTensor[] {
  const e = arch.num_experts ?? 0;
  const h = arch.hidden_size;
  const f = expertWidth(arch);
  const L = arch.num_layers;
  const expert = (name: string, shape: number[], role: 'weight' | 'bias' = 'weight'): ParamTensor =>
    ({ module: `block_sparse_moe.experts.${name}`, role, kind: 'linear', scope: 'layer', shape, count: L * e });
  const router: ParamTensor = { module: 'block_sparse_moe.gate', role: 'weight', kind: 'linear', scope: 'layer', shape: [e, h], count: L };
  if (arch.family === 'llama') return [router, expert('w1', [f, h]), expert('w3', [f, h]), expert('w2', [h, f])];
  return [router, expert('fc1', [f, h]), expert('fc1', [f], 'bias'), expert('fc2', [h, f]), expert('fc2', [h], 'bias')];
}
