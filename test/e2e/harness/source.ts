// Finds where in a training script to hover for the memory breakdown: the model id.

export interface Position {
  /** 1-based, as Go to Line takes them */
  line: number;
  column: number;
}

/** `AutoModelForCausalLM.from_pretrained(` and the like (not tokenizers), then its first argument. */
const MODEL_LOAD = /\b(?:AutoModel\w*|\w+For\w+|\w+Model)\.from_pretrained\(\s*([\w.]+|(["'])[^"']+\2)/;
/** A string literal that looks like a Hugging Face model id ("org/name"). */
const MODEL_ID = /(["'])([\w.-]+\/[\w.-]+)\1/g;

/**
 * Candidate positions, best first: the first argument of each model `from_pretrained(` call
 * (a string literal or the name of a constant holding it), then string literals that look like
 * model ids ("org/name"). Each position is inside the text, 1-based.
 */
export function modelIdPositions(source: string): Position[] {
  const loads: Position[] = [];
  const literals: Position[] = [];
  source.split('\n').forEach((text, i) => {
    if (/^\s*#/.test(text)) return;
    const load = MODEL_LOAD.exec(text);
    if (load) {
      const start = load.index + load[0].length - load[1].length;
      loads.push({ line: i + 1, column: start + 1 + Math.floor(load[1].length / 2) });
    }
    for (const m of text.matchAll(MODEL_ID)) {
      const id = m[2];
      if (id.startsWith('.') || /\.(json|ya?ml|py|txt|bin|safetensors|pt)$/i.test(id)) continue;
      literals.push({ line: i + 1, column: m.index! + 2 + Math.floor(id.length / 2) });
    }
  });
  return [...loads, ...literals];
}
