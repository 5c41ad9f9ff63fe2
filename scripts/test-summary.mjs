#!/usr/bin/env node
// Prints the plain `N passed, N failed` line CI reads, from vitest's JSON report.
import { readFileSync } from 'node:fs';

const [reportPath] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.log(`0 passed, 1 failed`);
  console.error(`test-summary: no readable vitest report at ${reportPath}: ${error.message}`);
  process.exit(1);
}
const failed = report.numFailedTests + countFilesThatFailedToRun(report);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);

// A test file that fails to load (or to set up) has no failed test of its own; count it once.
// (`numFailedTestSuites` is no help: vitest counts describe blocks as suites.)
function countFilesThatFailedToRun(r) {
  return (r.testResults ?? []).filter((file) => file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')).length;
}
