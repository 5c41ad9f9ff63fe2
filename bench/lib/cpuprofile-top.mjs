#!/usr/bin/env node
/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time by function and by module
 * (an npm package, one of our files, or a V8 pseudo-node such as "(garbage collector)"), and
 * inclusive time of our own functions. Our compiled files are mapped back to their .ts source
 * lines through the source maps tsc writes next to them.
 *
 *   node bench/lib/cpuprofile-top.mjs FILE.cpuprofile... [--top 25]
 */
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts, positionals: files } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const TOP = Number(opts.top);
const maps = new Map();

/** `file.ts:line` for a position in one of our compiled files, else `file.js:line`. */
function location(url, line, column) {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const ours = /\/(server|sdk-ts|proto)\/dist\//.test(path);
  if (ours) {
    if (!maps.has(path)) maps.set(path, existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : null);
    const entry = maps.get(path)?.findEntry(line, column);
    if (entry?.originalSource) return `${entry.originalSource.replace(/^.*?\/(server|sdk-ts|proto)\//, '$1/').replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}`;
  }
  return `${path.replace(/^.*node_modules\//, '').replace(/^.*\/work\/main\//, '')}:${line + 1}`;
}

function moduleOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native/builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/(server|sdk-ts|proto)\/dist\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}

const selfByFn = new Map();
const selfByModule = new Map();
const inclusiveOurs = new Map();
let total = 0;

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  for (const [id, us] of selfUs) {
    const { callFrame: cf } = nodes.get(id);
    const name = cf.functionName || '(anonymous)';
    const key = `${name} ${location(cf.url, cf.lineNumber, cf.columnNumber)}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    const mod = moduleOf(cf.url, name);
    selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + us);
    total += us;
    // Inclusive time of our functions: each distinct one on the stack once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at).callFrame;
      if (!/\/(server|sdk-ts)\/dist\//.test(f.url)) continue;
      const k = `${f.functionName || '(anonymous)'} ${location(f.url, f.lineNumber, f.columnNumber)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveOurs.set(k, (inclusiveOurs.get(k) ?? 0) + us);
    }
  }
}

const print = (title, map, top = TOP) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  }
};
console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(2)} s sampled`);
print('self time by module', selfByModule, 20);
print('self time by function', selfByFn);
print('inclusive time of our functions', inclusiveOurs);
