import { describe, expect, it } from 'vitest';
import { CycleTrigger } from './cycle-trigger.js';

describe('CycleTrigger', () => {
  it('ends an hour-long wait when a hint comes', async () => {
    const trigger = new CycleTrigger();
    const waiting = trigger.wait(3_600_000, new AbortController().signal);
    trigger.fire('webhook: job 7 pending');
    expect(await waiting).toEqual(['webhook: job 7 pending']);
  });

  it('coalesces hints that came before the wait into one immediate return', async () => {
    const trigger = new CycleTrigger();
    for (const id of [1, 2, 3]) trigger.fire(`job ${id}`);
    expect(await trigger.wait(3_600_000, new AbortController().signal)).toEqual(['job 1', 'job 2', 'job 3']);
  });

  it('ends the wait without hints when the signal aborts', async () => {
    const trigger = new CycleTrigger();
    const controller = new AbortController();
    const waiting = trigger.wait(3_600_000, controller.signal);
    controller.abort();
    expect(await waiting).toEqual([]);
  });
});
