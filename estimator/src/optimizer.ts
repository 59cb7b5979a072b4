/**
 * Bytes of parameters, gradients and optimizer state, tensor by tensor.
 *
 * What each optimizer keeps per trainable tensor of n elements:
 * - adamw (torch/optim/adamw.py _init_group; the fused variant keeps the same): exp_avg and exp_avg_sq in the
 *   parameter's dtype and a 0-dim fp32 `step` tensor.
 * - adamw_8bit / paged_adamw_8bit (Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization";
 *   bitsandbytes optim/optimizer.py Optimizer2State.init_state): two uint8 states plus one fp32 absmax per block
 *   of 256 per state (the blocksize since bitsandbytes 0.44; 2048 before); tensors with fewer than min_8bit_size =
 *   4096 elements keep fp32 states; the signed and unsigned dynamic code tables (256 fp32 each) are shared. `step`
 *   is a Python int.
 * - paged_adamw_32bit: two fp32 states whatever the parameter dtype (optim_bits=32).
 * - Paged variants allocate every state of ≥ 1e5 elements in CUDA unified memory (bitsandbytes get_state_buffer →
 *   functional.get_paged, cudaMallocManaged): the same bytes on the GPU, but the driver can evict them to host
 *   memory under pressure, and PyTorch's allocator does not see them (they are not in max_memory_allocated).
 * - lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2; HF `lion_32bit` =
 *   bitsandbytes Lion, Optimizer1State): one momentum, fp32. lion_8bit: one uint8 state + absmaxes as above.
 * - adafactor (Shazeer & Stern 2018, "Adafactor", Sec. 3; transformers/optimization.py Adafactor): for tensors of
 *   ≥ 2 dims a row vector (shape[:-1]) and a column vector (shape[:-2] + shape[-1:]) of the second moment, else a
 *   full second moment; no first moment (beta1=None, the HF default); all fp32 (the gradient is upcast first).
 * - sgd: nothing; sgd_momentum (torch/optim/sgd.py): momentum_buffer, a clone of the gradient.
 *
 * Dtypes: base tensors in the load dtype (fp32 after prepare_model_for_kbit_training); PEFT keeps adapter
 * weights in fp32 even in a half model (peft LoraModel autocast_adapter_dtype=True) unless the whole model is cast
 * to half for master weights. Master weights (DeepSpeed bf16/fp16: deepspeed/runtime/bf16_optimizer.py,
 * fp16/fused_optimizer.py; Rajbhandari et al. 2020, "ZeRO", Sec. 3.1: 2Ψ + 2Ψ + 12Ψ bytes for mixed-precision
 * Adam): half parameters and gradients; the optimizer holds an fp32 copy of the trainable parameters (counted in
 * optimizer_states) and an fp32 gradient buffer (counted in gradients, detail `master_grad_bytes`), and its
 * states are fp32. Quantized weights: quantization.ts.
 */
import { baseTensors, layerLinears, numel, trainableTensors, type ParamTensor } from './params';
import { peftNotes } from './peft';
import { gradScalerBytes, precisionNotes, type PrecisionPlan } from './precision';
import { quantizationNotes, quantizedLinearBytes } from './quantization';
import type { Optimizer, QuantizationConfig, TrainingJob } from './types';

export interface StateBytes {
  weights: number;
  gradients: number;
  optimizer_states: number;
  detail: Record<string, number>;
  notes: string[];
}

const ADAM_STEP_BYTES = 4;
/** bitsandbytes Optimizer8bit defaults: min_8bit_size, state blocksize, dynamic map size; paging threshold. */
export const BNB_MIN_8BIT_SIZE = 4096;
export const BNB_STATE_BLOCK = 256;
const BNB_QMAP_BYTES = 256 * 4;
const BNB_PAGED_MIN_NUMEL = 1e5;

/** Bytes one tensor's optimizer state takes, split as the detail reports it. */
interface TensorState {
  moments: number;
  absmax: number;
  /** Part of `moments` allocated in paged (unified) memory. */
  paged: number;
  /** The tensor uses 8-bit states (so the shared code tables exist). */
  eightBit: boolean;
}

function bnbStates(n: number, states: number, bits: 8 | 32, paged: boolean): TensorState {
  const eightBit = bits === 8 && n >= BNB_MIN_8BIT_SIZE;
  const moments = states * n * (eightBit ? 1 : 4);
  const absmax = eightBit ? states * 4 * Math.ceil(n / BNB_STATE_BLOCK) : 0;
  return { moments, absmax, paged: paged && n >= BNB_PAGED_MIN_NUMEL ? moments : 0, eightBit };
}

/** Optimizer state of one tensor of the given shape whose states default to `elem` bytes per element. */
export function tensorState(opt: Optimizer, shape: number[], elem: number): TensorState {
  const n = numel({ shape });
  const plain = (moments: number): TensorState => ({ moments, absmax: 0, paged: 0, eightBit: false });
  switch (opt) {
    case 'adamw':
      return plain(2 * n * elem + ADAM_STEP_BYTES);
    case 'adamw_8bit':
      return bnbStates(n, 2, 8, false);
    case 'paged_adamw_8bit':
      return bnbStates(n, 2, 8, true);
    case 'paged_adamw_32bit':
      return bnbStates(n, 2, 32, true);
    case 'lion':
      return bnbStates(n, 1, 32, false);
    case 'lion_8bit':
      return bnbStates(n, 1, 8, false);
    case 'adafactor': {
      if (shape.length < 2) return plain(4 * n);
      const rows = numel({ shape: shape.slice(0, -1) });
      const cols = numel({ shape: [...shape.slice(0, -2), shape[shape.length - 1]] });
      return plain(4 * (rows + cols));
    }
    case 'sgd':
      return plain(0);
    case 'sgd_momentum':
      return plain(n * elem);
  }
}

/** Whether a base tensor is a quantized weight (decoder-layer linear weights; see quantization.ts). */
export function isQuantized(t: ParamTensor, q: QuantizationConfig | undefined): boolean {
  return q !== undefined && t.kind === 'linear' && t.role === 'weight' && t.scope === 'layer';
}

export function stateBytes(job: TrainingJob, plan: PrecisionPlan): StateBytes {
  const q = job.quantization;
  const half = plan.param === 'half' ? 2 : 4;
  const baseBytes = q?.kbit_prepared ? 4 : half;
  // adapters stay fp32 unless the whole model (adapters included) is cast to half for master weights
  const adapterBytes = plan.master_weights ? half : 4;
  const base = baseTensors(job.model);

  let quantData = 0;
  let quantConstants = 0;
  let unquantized = 0;
  const linears = new Map(layerLinears(job.model).map((m) => [m.name, m]));
  for (const t of base) {
    const m = linears.get(t.module);
    if (q && m && isQuantized(t, q)) {
      const b = quantizedLinearBytes(q, m);
      quantData += b.data * t.count;
      quantConstants += b.constants * t.count;
    } else {
      unquantized += numel(t) * t.count * baseBytes;
    }
  }
  // quantized weights cannot train (bitsandbytes Params4bit/Int8Params and GPTQ buffers have no gradients)
  const trainable = trainableTensors(job.model, job.peft).filter((t) => t.origin !== 'base' || !isQuantized(t, q));
  const elemBytes = (t: { origin: string }) => (t.origin === 'adapter' ? adapterBytes : baseBytes);
  const added = trainable.filter((t) => t.origin !== 'base').reduce((n, t) => n + numel(t) * t.count * elemBytes(t), 0);
  const weights = quantData + quantConstants + unquantized + added;

  const trainableNumel = trainable.reduce((n, t) => n + numel(t) * t.count, 0);
  const ownGrads = trainable.reduce((n, t) => n + numel(t) * t.count * elemBytes(t), 0);
  const masterGrad = plan.master_weights ? trainableNumel * 4 : 0;
  const master = plan.master_weights ? trainableNumel * 4 : 0;

  let moments = 0;
  let absmax = 0;
  let paged = 0;
  let eightBit = false;
  for (const t of trainable) {
    // with a master copy, the optimizer's states live in fp32 beside it
    const s = tensorState(job.optimizer, t.shape, plan.master_weights ? 4 : elemBytes(t));
    moments += s.moments * t.count;
    absmax += s.absmax * t.count;
    paged += s.paged * t.count;
    eightBit ||= s.eightBit;
  }
  const qmaps = eightBit ? (job.optimizer === 'lion_8bit' ? 1 : 2) * BNB_QMAP_BYTES : 0;
  const scaler = gradScalerBytes(job);
  const optimizerStates = moments + absmax + qmaps + master + scaler;
  return {
    weights,
    gradients: ownGrads + masterGrad,
    optimizer_states: optimizerStates,
    detail: {
      master_weight_bytes: master,
      master_grad_bytes: masterGrad,
      optimizer_moment_bytes: moments + absmax + qmaps,
      optimizer_absmax_bytes: absmax,
      optimizer_qmap_bytes: qmaps,
      optimizer_paged_bytes: paged,
      grad_scaler_bytes: scaler,
      quantized_weight_bytes: quantData,
      quant_constants_bytes: quantConstants,
      unquantized_weight_bytes: q ? unquantized : 0,
      peft_weight_bytes: added,
    },
    notes: [
      ...optimizerNotes(job, paged),
      ...quantizationNotes(q),
      ...peftNotes(job.model, job.peft, base),
      ...precisionNotes(job),
      ...(q && !job.peft ? ['Quantized weights are frozen (they cannot train); only the unquantized parameters get gradients.'] : []),
    ],
  };
}

function optimizerNotes(job: TrainingJob, paged: number): string[] {
  const notes: string[] = [];
  if (paged > 0) {
    notes.push(`Paged optimizer: ${(paged / 2 ** 30).toFixed(2)} GiB of states in CUDA unified memory: on the GPU until evicted to host memory under pressure, and not counted by torch.cuda.max_memory_allocated.`);
  }
  if (job.optimizer === 'adamw_8bit' || job.optimizer === 'paged_adamw_8bit' || job.optimizer === 'lion_8bit') {
    notes.push(`8-bit states: 1 byte per element + fp32 absmax per ${BNB_STATE_BLOCK} (bitsandbytes ≥ 0.44); tensors under ${BNB_MIN_8BIT_SIZE} elements keep fp32 states.`);
  }
  if (job.optimizer === 'adafactor') notes.push('Adafactor: factored second moment (row + column vectors), no first moment (beta1=None, the transformers default).');
  return notes;
}
