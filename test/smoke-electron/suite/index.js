// The smoke suite, run inside VS Code's extension host by @vscode/test-electron (run-test.mjs).
// No test framework: Node's assert; run() rejecting makes the run fail.
'use strict';
const assert = require('node:assert/strict');
const vscode = require('vscode');

const EXTENSION_ID = 'trainlens.trainlens';
const FILE = 'llama2-7b-full-finetune.py';
const OOM = /needs \d+(?:\.\d+)? GiB per GPU; V100-32GB has 32\.0 GiB/;

/** Resolves with probe()'s value once it is defined, re-probing on `event`; rejects at the deadline. */
function waitFor(event, probe, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let subscription;
    const check = () => {
      let value;
      try {
        value = probe();
      } catch (e) {
        return finish(() => reject(e));
      }
      if (value !== undefined) finish(() => resolve(value));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
    const finish = (settle) => {
      clearTimeout(timer);
      subscription?.dispose();
      settle();
    };
    subscription = event(check);
    check();
  });
}

async function run() {
  const started = Date.now();
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);

  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder open');
  const uri = vscode.Uri.joinPath(folder.uri, FILE);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);

  await ext.activate();
  assert.equal(ext.isActive, true, 'TrainLens did not activate');
  console.log(`[smoke] ${EXTENSION_ID} ${ext.packageJSON.version} active`);

  const oom = await waitFor(
    vscode.languages.onDidChangeDiagnostics,
    () => vscode.languages.getDiagnostics(uri).find((d) => OOM.test(d.message)),
    90_000,
    `the OOM diagnostic on ${FILE} ("needs … GiB per GPU; V100-32GB has 32.0 GiB")`,
  );
  assert.equal(oom.severity, vscode.DiagnosticSeverity.Error);
  console.log(`[smoke] diagnostic at line ${oom.range.start.line + 1}: ${oom.message}`);
  console.log(`[smoke] passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

module.exports = { run };
