import { EXIT } from '../errors.js';
import type { CommandContext } from '../io.js';
import { openLaunchSession } from './launch-session.js';

/** One cycle: poll, match, plan, launch, save. Exit 1 when a launch failed. */
export async function runSingleHandler(context: CommandContext): Promise<number> {
  const session = await openLaunchSession(context, 'gitlab-meta-runner run-single');
  try {
    const result = await session.launcher.cycle(session.signal);
    return result.failed > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await session.close();
  }
}
