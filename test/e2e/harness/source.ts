// Finds where in a training script to hover: the Hugging Face model id string.

export interface Position {
  /** 1-based, as Go to Line takes them */
  line: number;
  column: number;
}

const MODEL_ID = /(["'])([\w.-]+\/[\w.-]+)\1/g;

/**
 * Positions inside string literals that look like Hugging Face model ids ("org/name"), those on a
 * `...ForCausalLM.from_pretrained(` / `AutoModel...` line first, then the rest in file order.
 * Paths with file extensions or leading dots (e.g. "./out/x.json") are left out.
 */
export function modelIdPositions(source: string): Position[] {
  const found: { pos: Position; onModelLine: boolean }[] = [];
  source.split('\n').forEach((text, i) => {
    if (/^\s*#/.test(text)) return;
    for (const m of text.matchAll(MODEL_ID)) {
      const id = m[2];
      if (id.startsWith('.') || /\.(json|ya?ml|py|txt|bin|safetensors|pt)$/i.test(id) || id.split('/').length !== 2) continue;
      found.push({
        pos: { line: i + 1, column: m.index! + 2 + Math.floor(id.length / 2) },
        onModelLine: /(Model\w*|ForCausalLM|ForSeq\w*)\.from_pretrained\(/.test(text),
      });
    }
  });
  return [...found.filter((f) => f.onModelLine), ...found.filter((f) => !f.onModelLine)].map((f) => f.pos);
}
