/**
 * The workspace view, walkthrough and commands in package.json agree with the client code: every
 * command declared is registered, every `command:` link points at a command that exists, every
 * walkthrough page exists and is packaged, and the view id is the one the client fills.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../lsp/helpers/build';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const contributes = manifest.contributes;
// the client's modules, and the command ids it shares with the server's hover links
const clientSource = [...readdirSync(join(ROOT, 'client', 'src')).map((f) => join('client', 'src', f)), 'server/src/render/links.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
const declared: string[] = contributes.commands.map((c: { command: string }) => c.command);
const VIEW = 'trainlens.workspace';

/** Whether `trainlens package` puts the file in the VSIX (.vscodeignore: `**` then `!allowed` lines). */
function packaged(path: string): boolean {
  const allowed = readFileSync(join(ROOT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  return allowed.some((pattern) => picomatch(pattern)(path));
}

describe('package.json: workspace view, walkthrough, commands', () => {
  it('registers every declared command in the client', () => {
    for (const command of declared) {
      const constant = /export const (\w+) = '([\w.]+)'/g;
      const constants = Object.fromEntries([...clientSource.matchAll(constant)].map((m) => [m[2], m[1]]));
      const literal = clientSource.includes(`registerCommand('${command}'`);
      const viaConstant = constants[command] && clientSource.includes(`registerCommand(${constants[command]},`);
      expect(literal || viaConstant, command).toBeTruthy();
    }
  });

  it('contributes the view the client fills, in the Explorer, with its welcome content and refresh button', () => {
    expect(contributes.views.explorer.map((v: { id: string }) => v.id)).toContain(VIEW);
    expect(clientSource).toContain(`VIEW_ID = '${VIEW}'`);
    expect(contributes.viewsWelcome.map((w: { view: string }) => w.view)).toContain(VIEW);
    expect(contributes.menus['view/title']).toContainEqual(expect.objectContaining({ command: 'trainlens.refreshWorkspaceView', when: `view == ${VIEW}` }));
  });

  it('links only to commands that exist (declared, or the view\'s own focus command)', () => {
    const texts = [
      ...contributes.viewsWelcome.map((w: { contents: string }) => w.contents),
      ...contributes.walkthroughs.flatMap((w: { steps: { description: string }[] }) => w.steps.map((s) => s.description)),
    ];
    const links = texts.flatMap((t) => [...t.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]));
    expect(links.length).toBeGreaterThanOrEqual(5);
    for (const link of links) expect([...declared, `${VIEW}.focus`], link).toContain(link);
  });

  it('has a walkthrough that sets the GPU type and count, opens an example, and shows the view; its pages exist and are packaged', () => {
    const [walkthrough] = contributes.walkthroughs;
    const events = walkthrough.steps.flatMap((s: { completionEvents: string[] }) => s.completionEvents);
    expect(events).toEqual(expect.arrayContaining(['onSettingChanged:trainlens.gpu', 'onSettingChanged:trainlens.gpuCount', 'onCommand:trainlens.openExample', `onView:${VIEW}`]));
    for (const step of walkthrough.steps) {
      const page = step.media.markdown;
      expect(existsSync(join(ROOT, page)), page).toBe(true);
      expect(packaged(page), page).toBe(true);
    }
    expect(packaged('examples/llama2-7b-full-finetune.py')).toBe(true);
  });

  it('packs a README without relative links (vsce refuses them without a repository URL, and packaging fails)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.match(/\]\((?!https?:|#|mailto:)[^)]*\)/g)).toBeNull();
  });
});
