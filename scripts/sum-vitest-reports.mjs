// Sums vitest JSON reports and prints "N passed, N failed[, N skipped]" as the last line.
// Failed = failed tests + test files that failed without a failed test (an import error, a crash).
// A missing or unreadable report counts as a failure, so a crashed run can never look green.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const broken = report.testResults.filter(
      (f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed'),
    );
    for (const f of broken)
      console.log(`${file}: ${f.name} failed to run: ${(f.message ?? '').split('\n')[0]}`);
    passed += report.numPassedTests;
    failed += report.numFailedTests + broken.length;
    skipped += report.numPendingTests + report.numTodoTests;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests + broken.length} failed`);
  } catch (error) {
    console.log(`${file}: no report (${error.message})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
