// Heavy work on the main process in steps: a generator yields between steps, and this runs
// it, letting timers, I/O and the UI's calls in whenever the steps ran longer than a budget.

/** Longest the main process works on one job before it lets other work run. */
export const STEP_BUDGET_MS = 15;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runInSteps<T>(steps: Generator<void, T>, budgetMs = STEP_BUDGET_MS): Promise<T> {
  let started = Date.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (Date.now() - started > budgetMs) {
      await nextTurn();
      started = Date.now();
    }
  }
}
