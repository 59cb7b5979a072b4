/**
 * Classes a script imports from its own workspace (`from model import GPT, GPTConfig`): the module
 * read and parsed through PythonModules (inside the workspace only), the class and its methods found
 * by name. Static only: nothing is imported or run.
 */
import type { Node } from 'web-tree-sitter';
import type { Evaluator } from './evaluate';
import type { PythonModule } from './modules';

export interface LocalClass { name: string; module: PythonModule; cls: Node }

/** The names a file imports with `from X import A, B as C`: local name → module reference and original name. */
export function fromImports(root: Node): Map<string, { from: string; name: string }> {
  const imports = new Map<string, { from: string; name: string }>();
  for (const stmt of root.namedChildren) {
    if (stmt?.type !== 'import_from_statement') continue;
    const from = stmt.childForFieldName('module_name')?.text;
    if (!from) continue;
    for (const n of stmt.childrenForFieldName('name')) {
      if (!n) continue;
      const original = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
      const local = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
      if (original && local) imports.set(local, { from, name: original });
    }
  }
  return imports;
}

/** The workspace module a name is imported from, read and parsed (`from .model import GPT` → model.py beside the script, then the workspace roots). */
function localModuleDefining(root: Node, ev: Evaluator, name: string): PythonModule | undefined {
  const imported = fromImports(root).get(name);
  if (!imported || !ev.env.modules) return undefined;
  const read = ev.env.modules.read(ev.env.files, `${imported.from.replace(/^\.+/, '').replace(/\./g, '/')}.py`, ev.env.uri ?? '');
  return read.ok ? read : undefined;
}

/** The class a script names (`GPT`, or an alias of it) when it is imported from a workspace module. */
export function localClass(root: Node, ev: Evaluator, name: string): LocalClass | undefined {
  const module = localModuleDefining(root, ev, name);
  const original = fromImports(root).get(name)?.name ?? name;
  const cls = module && classNamed(module, original);
  return module && cls ? { name: original, module, cls } : undefined;
}

/** Every class the script imports from workspace modules. */
export function importedLocalClasses(root: Node, ev: Evaluator): LocalClass[] {
  return [...fromImports(root).keys()].map((name) => localClass(root, ev, name)).filter((c): c is LocalClass => !!c);
}

function classNamed(module: PythonModule, name: string): Node | undefined {
  for (const stmt of module.tree.rootNode.namedChildren) {
    const cls = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (cls?.type === 'class_definition' && cls.childForFieldName('name')?.text === name) return cls;
  }
  return undefined;
}

/** A method defined in the class body (decorated or not). */
export function methodNamed(cls: Node, name: string): Node | undefined {
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    const fn = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (fn?.type === 'function_definition' && fn.childForFieldName('name')?.text === name) return fn;
  }
  return undefined;
}

export function within(node: Node, container: Node): boolean {
  return node.startIndex >= container.startIndex && node.endIndex <= container.endIndex;
}
