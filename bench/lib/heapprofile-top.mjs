#!/usr/bin/env node
/**
 * Summarises a sampled heap profile (a .heapprofile from `bench/cpu-split.mjs --client-heap`, or
 * DevTools): the bytes allocated by each function itself and by each module, largest first, and
 * per task when `--per N` says how many tasks the profile covers. Allocation is what a figure's
 * GC costs, so this says where to cut it.
 *
 *   node bench/lib/heapprofile-top.mjs FILE.heapprofile [--top 25] [--per 40000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, per: { type: 'string' } },
});
const TOP = Number(opts.top);
const PER = opts.per === undefined ? undefined : Number(opts.per);

const byFunction = new Map();
const byModule = new Map();
let total = 0;
for (const file of files) {
  const { head } = JSON.parse(readFileSync(file, 'utf8'));
  const visit = (node) => {
    const bytes = node.selfSize;
    if (bytes > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/work\/[^/]+\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
      const fn = `${functionName || '(anonymous)'} ${where}`;
      const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (/\/(server|sdk-ts|proto)\/dist\/(.*)$/.exec(url)?.slice(1).join('/') || url || functionName);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + bytes);
      byModule.set(module, (byModule.get(module) ?? 0) + bytes);
      total += bytes;
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
}

const row = (bytes) => `${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / 1024 / 1024).toFixed(1).padStart(7)} MiB${PER ? `  ${(bytes / PER).toFixed(0).padStart(6)} B/task` : ''}`;
console.log(`${(total / 1024 / 1024).toFixed(1)} MiB sampled${PER ? `, ${(total / PER).toFixed(0)} B per task` : ''}\n\nallocated by module`);
for (const [name, bytes] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${row(bytes)}  ${name}`);
console.log('\nallocated by function');
for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${row(bytes)}  ${name}`);
