// Sums vitest JSON reports and prints "N passed, N failed[, N skipped]" as the last line.
// A missing or unreadable report counts as a failure, so a crashed run can never look green.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    if (report.numFailedTestSuites > 0) {
      console.log(`${file}: ${report.numFailedTestSuites} test file(s) failed to run`);
      failed += report.numFailedTestSuites;
    }
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  } catch (error) {
    console.log(`${file}: no report (${error.message})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
