#!/usr/bin/env node
// Generates the TypeScript-visible message classes from proto/*.proto (protobufjs static code + .d.ts),
// and places the runtime .js where the compiled code expects it (dist/proto/gen). Never edit the output.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const protoDir = path.join(root, 'proto');
const genDir = path.join(protoDir, 'gen');
const distGenDir = path.join(root, 'dist', 'proto', 'gen');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const sources = fs.readdirSync(protoDir).filter((f) => f.endsWith('.proto')).map((f) => path.join(protoDir, f));
const jsOut = path.join(genDir, 'cptflow.js');
const dtsOut = path.join(genDir, 'cptflow.d.ts');

const newest = Math.max(...[...sources, __filename].map((f) => fs.statSync(f).mtimeMs));
const upToDate = fs.existsSync(dtsOut) && fs.statSync(dtsOut).mtimeMs >= newest;
if (!upToDate) {
  fs.mkdirSync(genDir, { recursive: true });
  execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'commonjs', '--force-number', '-o', jsOut, ...sources], { stdio: 'inherit' });
  execFileSync(bin('pbts'), ['-o', dtsOut, jsOut], { stdio: 'inherit' });
}
fs.mkdirSync(distGenDir, { recursive: true });
fs.copyFileSync(jsOut, path.join(distGenDir, 'cptflow.js'));
