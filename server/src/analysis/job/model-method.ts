/**
 * An optimizer built inside a method of a workspace class, the way nanoGPT does it:
 * `optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)`
 * where `model = GPT(gptconf)` (or `GPT.from_pretrained(...)`) and `GPT` comes from the workspace's
 * model.py, whose `configure_optimizers` returns `torch.optim.AdamW(optim_groups, lr=..., betas=...,
 * **extra_args)` (karpathy/nanoGPT model.py). The receiver is followed back through assignments and
 * wrappers (`torch.compile(model)`, `DDP(model)`, `model.module`) to its class; the method's body
 * is read for optimizer constructors, never run. The value's provenance points into that module.
 */
import type { Node } from 'web-tree-sitter';
import type { Optimizer } from '../../../../estimator/src/types';
import { keyword } from '../../python/call-args';
import { Evaluator } from '../../python/evaluate';
import type { CallFact } from '../../python/facts';
import { importedLocalClasses, localClass, methodNamed, within, type LocalClass } from '../../python/local-classes';
import { rangeOf } from '../values';
import type { JobContext } from './context';
import { CONSTRUCTORS, constructed, isConstructor } from './optimizer-names';

/** The optimizer the method builds, or why it could not be read (the caller assumes AdamW and says why). */
export type MethodOptimizer = { value: Optimizer } | { reason: string };

/** Method names that build an optimizer: configure_optimizers (nanoGPT, Lightning), create_optimizer, build_optimizer... */
const BUILDS_OPTIMIZER = /optim/i;

const MAX_HOPS = 8;

export function optimizerFromModelMethod(ctx: JobContext): MethodOptimizer | undefined {
  const call = ctx.facts.calls
    .filter((c) => c.receiver?.type === 'identifier' && BUILDS_OPTIMIZER.test(c.callee))
    .sort((a, b) => a.call.startIndex - b.call.startIndex)[0];
  if (!call) return undefined;
  const root = call.call.tree.rootNode;
  const written = `${call.receiver!.text}.${call.callee}(...)`;
  const local = classOfName(ctx, root, call.receiver!, call.call.startIndex, 0) ?? uniqueDefining(ctx, root, call.callee);
  if (!local) return { reason: `${written} builds the optimizer in a class TrainLens does not find in the workspace` };
  const file = local.module.path.split(/[\\/]/).pop();
  const where = `${local.name}.${call.callee} in ${file}`;
  const method = methodNamed(local.cls, call.callee);
  if (!method) return { reason: `${written}: ${local.name} in ${file} defines no ${call.callee} (inherited methods are not followed)` };
  const builds = local.module.facts.calls.filter((c) => isConstructor(c) && within(c.call, method)).sort((a, b) => a.call.startIndex - b.call.startIndex);
  if (builds.length === 0) return { reason: `${where} constructs none of ${Object.keys(CONSTRUCTORS).slice(0, 4).join(', ')}...` };

  const ev = new Evaluator(local.module.facts, new Map(), { ...ctx.ev.env, uri: local.module.uri });
  const kinds = builds.map((b) => constructed(b.callee, keyword(ev, b, 'momentum')));
  const first = builds[0];
  const source = { file: local.module.uri, range: rangeOf(first.call) };
  ctx.anchors.push({ kind: 'argument', field: 'optimizer', range: rangeOf(call.call) });
  const uncertain = new Set(kinds).size > 1 ? `builds ${builds.map((b) => b.callee).join(' or ')} depending on its arguments; the first assumed`
    : unreadMomentum(ev, first) ? `${first.callee}'s momentum is not read; plain SGD assumed` : undefined;
  ctx.values.optimizer = uncertain
    ? { value: kinds[0], status: 'assumed', source, reason: `${written} → ${where} ${uncertain}` }
    : { value: kinds[0], status: 'known', source, reason: `${written} → ${where}: ${first.callee}(...)` };
  return { value: kinds[0] };
}

/** SGD given a momentum TrainLens cannot evaluate (a parameter of the method): it may keep a buffer. */
function unreadMomentum(ev: Evaluator, build: CallFact): boolean {
  const momentum = keyword(ev, build, 'momentum');
  return CONSTRUCTORS[build.callee] === 'sgd' && !!momentum && !momentum.value.ok;
}

/** The workspace class a name holds at `before`: its last assignment, followed through wrappers. */
function classOfName(ctx: JobContext, root: Node, name: Node, before: number, hops: number): LocalClass | undefined {
  const prior = (ctx.facts.assignments.get(name.text) ?? []).filter((a) => a.assignment.endIndex <= before);
  const value = prior[prior.length - 1]?.value;
  return value && hops < MAX_HOPS ? classOfValue(ctx, root, value, hops + 1) : undefined;
}

/** `GPT(cfg)`, `GPT.from_pretrained(...)`, or a wrapper of a model (`torch.compile(m)`, `DDP(m)`, `m.module`, `a if c else b`). */
function classOfValue(ctx: JobContext, root: Node, value: Node, hops: number): LocalClass | undefined {
  switch (value.type) {
    case 'identifier':
      return classOfName(ctx, root, value, value.startIndex, hops);
    case 'attribute': {
      const object = value.childForFieldName('object');
      return object ? classOfValue(ctx, root, object, hops) : undefined;
    }
    case 'conditional_expression':
      return value.namedChildren.filter((n, i): n is Node => !!n && i !== 1).map((n) => classOfValue(ctx, root, n, hops)).find(Boolean);
    case 'call': {
      const fn = value.childForFieldName('function');
      const named = fn?.type === 'identifier' ? fn : fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
      const direct = named?.type === 'identifier' ? localClass(root, ctx.ev, named.text) : undefined;
      const wrapped = value.childForFieldName('arguments')?.namedChildren[0];
      return direct ?? (wrapped?.type === 'identifier' ? classOfValue(ctx, root, wrapped, hops) : undefined);
    }
    default:
      return undefined;
  }
}

/** Where the receiver cannot be followed: the one imported workspace class that defines the method. */
function uniqueDefining(ctx: JobContext, root: Node, method: string): LocalClass | undefined {
  const defining = importedLocalClasses(root, ctx.ev).filter((c) => methodNamed(c.cls, method));
  return defining.length === 1 ? defining[0] : undefined;
}
