import { fs } from './builtins.js';
import { parse } from 'smol-toml';
import { ExecutorError } from './errors.js';

const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * Reads the standalone executor's TOML file: the executor keys at the top level, or in an `[executor]`
 * table (whose keys win).
 */
export function readStandaloneConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      `cannot read the executor config file ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      `${file} is not valid TOML: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const { executor, ...top } = doc;
  if (executor !== undefined && !isTable(executor)) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      `${file}: executor: expected a table, found ${typeof executor}`,
    );
  }
  return { ...top, ...executor };
}
