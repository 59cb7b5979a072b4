/**
 * LoRA and QLoRA inserted after the model load: `model = get_peft_model(model, LoraConfig(...))` with the family's
 * linear layers as targets, and for QLoRA a 4-bit `BitsAndBytesConfig` on the load plus
 * `prepare_model_for_kbit_training`. Hyperparameters are the planner's (estimator/src/planner-changes.ts LORA_FIX).
 */
import { LORA_FIX } from '../../../estimator/src/planner-changes';
import type { ModelFamily, TrainingJob } from '../../../estimator/src/types';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';
import { assignedName } from './python-layout';

/**
 * Every linear layer of the decoder blocks, by family (the modules PEFT's "all-linear" selects: Hugging Face
 * modeling_gpt2.py Conv1D c_attn/c_proj/c_fc, modeling_llama.py q/k/v/o and gate/up/down_proj, modeling_opt.py
 * q/k/v/out_proj and fc1/fc2; the LM head excluded).
 */
const LINEAR_LAYERS: Record<ModelFamily, string[]> = {
  gpt2: ['c_attn', 'c_proj', 'c_fc'],
  llama: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  opt: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2'],
};

function loraConfig(family: ModelFamily): string {
  const targets = LINEAR_LAYERS[family].map((t) => JSON.stringify(t)).join(', ');
  return `LoraConfig(r=${LORA_FIX.r}, lora_alpha=${LORA_FIX.alpha}, lora_dropout=${LORA_FIX.dropout}, target_modules=[${targets}], task_type="CAUSAL_LM")`;
}

/** The load call and the name its model is assigned to, for a `from_pretrained` load. */
function loadSite(ctx: WriterContext) {
  const model = ctx.script.sites.model;
  if (!model || model.call.callee !== 'from_pretrained' || !ctx.script.job) return undefined;
  const name = assignedName(model.call.call);
  return name ? { model, name, family: ctx.script.job.model.family } : undefined;
}

/**
 * With checkpointing on, the frozen embeddings' output must require grad for reentrant checkpointing to reach the
 * adapters (transformers modeling_utils enable_input_require_grads, which peft's k-bit preparation also calls).
 */
export function lora(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const site = loadSite(ctx);
  if (!site) return undefined;
  const after = (line: string): EditIntent => ({ kind: 'after', node: site.model.call.call, line });
  return [
    { kind: 'import', line: 'from peft import LoraConfig, get_peft_model' },
    ...(job.grad_checkpointing ? [after(`${site.name}.enable_input_require_grads()`)] : []),
    after(`${site.name} = get_peft_model(${site.name}, ${loraConfig(site.family)})`),
  ];
}

/**
 * QLoRA (Dettmers et al. 2023): NF4 with double quantization and a bf16 (or fp16) compute dtype. The k-bit
 * preparation is told whether to enable checkpointing, so that it does not turn it on behind the plan's back
 * (peft's default use_gradient_checkpointing=True).
 */
export function qlora(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const site = loadSite(ctx);
  const q = job.quantization;
  if (!site || !q || site.model.call.keywords.has('quantization_config') || site.model.call.keywords.has('load_in_4bit')) return undefined;
  const dtype = q.compute_dtype === 'bf16' ? 'torch.bfloat16' : 'torch.float16';
  const bnb = `BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=${dtype})`;
  const prepare = job.grad_checkpointing ? `prepare_model_for_kbit_training(${site.name})` : `prepare_model_for_kbit_training(${site.name}, use_gradient_checkpointing=False)`;
  return [
    { kind: 'import', line: 'import torch' },
    { kind: 'import', line: 'from transformers import BitsAndBytesConfig' },
    { kind: 'import', line: 'from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training' },
    { kind: 'keyword', args: site.model.call.args, text: `quantization_config=${bnb}` },
    { kind: 'after', node: site.model.call.call, line: `${site.name} = ${prepare}` },
    { kind: 'after', node: site.model.call.call, line: `${site.name} = get_peft_model(${site.name}, ${loraConfig(site.family)})` },
  ];
}
