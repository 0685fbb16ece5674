import { ExecutorError } from './errors.js';

/** One call of the executor by gitlab-runner. */
export type ExecutorStep =
  | { name: 'config' }
  | { name: 'prepare' }
  | { name: 'run'; script: string; stage: string }
  | { name: 'cleanup' };

export const STEP_NAMES = ['config', 'prepare', 'run', 'cleanup'] as const;

/** Reads `config | prepare | run <script> <stage> | cleanup` from the positional arguments. */
export function parseStep(args: readonly string[]): ExecutorStep {
  const [name, ...rest] = args;
  const usage = (message: string) =>
    new ExecutorError('MR_EXECUTOR_USAGE', message, {
      hint: 'Steps: config, prepare, run <script> <stage>, cleanup.',
    });
  if (name === 'run') {
    if (rest.length !== 2 || !rest[0] || !rest[1])
      throw usage(`"run" takes a script path and a stage name, got ${rest.length} arguments`);
    return { name, script: rest[0], stage: rest[1] };
  }
  if (name === 'config' || name === 'prepare' || name === 'cleanup') {
    if (rest.length > 0) throw usage(`"${name}" takes no arguments, got ${JSON.stringify(rest)}`);
    return { name };
  }
  throw usage(name === undefined ? 'no step given' : `unknown step ${JSON.stringify(name)}`);
}
