#!/usr/bin/env node
// Part of `npm run build`: lets compiled code find each lib by its public name at run time.
// tsconfig.json's `paths` map `@cptflow/<lib>` to libs/<lib>/src for the compiler, which leaves the
// specifier as written in the output; Node then looks for node_modules/@cptflow/<lib> above the
// importing file. Everything compiled lies under dist/, so one link per lib in dist/node_modules,
// dist/node_modules/@cptflow/<lib> -> ../../libs/<lib>/src, resolves `@cptflow/<lib>` to its index.js
// and `@cptflow/<lib>/testing` to testing/index.js by Node's own rules. The links are relative, so a
// moved or cloned checkout keeps working; the shared node_modules at the repository root is not touched.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const scope = path.join(root, 'dist', 'node_modules', '@cptflow');
fs.mkdirSync(scope, { recursive: true });
const libs = fs.readdirSync(path.join(root, 'libs')).filter((lib) => fs.existsSync(path.join(root, 'libs', lib, 'src', 'index.ts')));
for (const name of fs.readdirSync(scope)) {
  if (!libs.includes(name)) fs.rmSync(path.join(scope, name), { recursive: true, force: true });
}
for (const lib of libs) {
  const link = path.join(scope, lib);
  const target = path.join('..', '..', 'libs', lib, 'src');
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current === target) continue;
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link, 'dir');
}
