// Adds up vitest's JSON reports into the plain closing line `N passed, N failed, N skipped`,
// preceded by one line per failure (file, test, first line of the message): CI shows only the
// tail of the output.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const failures = [];
const firstLine = (messages) => String(messages?.[0] ?? '').replace(new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g'), '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    missing++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A file that failed to load has failed with no test of its own failing: count it once.
  failed += (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
  for (const result of report.testResults ?? []) {
    const name = String(result.name ?? '').replace(process.cwd() + '/', '');
    const failedTests = (result.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failedTests) failures.push(`FAILED ${name} > ${t.fullName ?? t.title}: ${firstLine(t.failureMessages)}`);
    if (result.status === 'failed' && failedTests.length === 0) failures.push(`FAILED ${name}: ${firstLine([result.message])}`);
  }
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (missing > 0) console.error(`test-summary: ${missing} project(s) wrote no report`);
for (const f of failures) console.log(f);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing > 0 || passed === 0 ? 1 : 0);
