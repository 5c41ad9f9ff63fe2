#!/usr/bin/env node
// Prints the plain `N passed, N failed` line CI reads, from vitest's JSON report and, when given,
// pytest's JUnit XML and `go test -json` output:
//   node scripts/test-summary.mjs VITEST_JSON [PYTEST_XML] [GO_TEST_JSON]
// A report that is missing or unreadable counts as one failure.
import { readFileSync } from 'node:fs';

const [vitestPath, pytestPath, goTestPath] = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
add(countReport('vitest', vitestPath, countVitest));
if (pytestPath) add(countReport('pytest', pytestPath, countPytest));
if (goTestPath) add(countReport('go test', goTestPath, countGoTest));
const { passed, failed, skipped } = totals;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);

function add(counts) {
  for (const key of Object.keys(totals)) totals[key] += counts[key];
}

function countReport(name, path, count) {
  try {
    return count(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`test-summary: no readable ${name} report at ${path}: ${error.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

function countVitest(text) {
  const report = JSON.parse(text);
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + countFilesThatFailedToRun(report),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

// A test file that fails to load (or to set up) has no failed test of its own; count it once.
// (`numFailedTestSuites` is no help: vitest counts describe blocks as suites.)
function countFilesThatFailedToRun(report) {
  return (report.testResults ?? []).filter((file) => file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')).length;
}

// JUnit XML as pytest writes it: one <testsuite tests= errors= failures= skipped=> per run.
function countPytest(xml) {
  const suites = [...xml.matchAll(/<testsuite\b([^>]*)>/g)];
  if (suites.length === 0) throw new Error('no <testsuite> element');
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const [, attributes] of suites) {
    const number = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(attributes)?.[1] ?? 0);
    const failed = number('failures') + number('errors');
    counts.failed += failed;
    counts.skipped += number('skipped');
    counts.passed += number('tests') - failed - number('skipped');
  }
  return counts;
}

// `go test -json` events: one pass/fail/skip per test; a package that fails without a failed test
// (a build error, a panic in TestMain) counts once.
function countGoTest(text) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const packagesWithFailedTests = new Set();
  const failedPackages = new Set();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    if (event.Test) {
      if (event.Action === 'pass') counts.passed += 1;
      if (event.Action === 'skip') counts.skipped += 1;
      if (event.Action === 'fail') {
        counts.failed += 1;
        packagesWithFailedTests.add(event.Package);
      }
    } else if (event.Action === 'fail') {
      failedPackages.add(event.Package);
    }
  }
  for (const pkg of failedPackages) if (!packagesWithFailedTests.has(pkg)) counts.failed += 1;
  if (text.trim() && !text.includes('"Action"')) counts.failed += 1; // e.g. the go command itself failed
  return counts;
}
