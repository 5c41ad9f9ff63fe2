#!/usr/bin/env node
// Prints a `go test -json` log the way plain `go test` would: the output of failing tests and
// each package's pass/fail line (the JSON itself is kept for scripts/test-summary.mjs).
import { readFileSync } from 'node:fs';

const events = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((line) => {
  try {
    return JSON.parse(line);
  } catch {
    return { Action: 'output', Output: `${line}\n` }; // a build error is printed as plain text
  }
});
const outputOf = new Map();
for (const event of events) {
  const key = `${event.Package}\u0000${event.Test ?? ''}`;
  if (event.Action === 'output') outputOf.set(key, (outputOf.get(key) ?? '') + event.Output);
  if (event.Action === 'fail') process.stdout.write(outputOf.get(key) ?? '');
  if (event.Action === 'pass' && !event.Test) process.stdout.write(`ok  \t${event.Package}\t${event.Elapsed}s\n`);
}
