import { checkConfigCommand } from './check-config.js';
import type { CommandSpec } from './command.js';
import { configureCommand } from './configure.js';
import { createExampleConfigCommand } from './create-example-config.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { executorCommand } from './executor.js';
import { runCommand } from './run.js';
import { runSingleCommand } from './run-single.js';
import { showConfigCommand } from './show-config.js';
import { showExampleConfigCommand } from './show-example-config.js';
import { statusCommand } from './status.js';

/**
 * Every subcommand, in the order `--help` lists them. Each file holds only the yargs definition;
 * handlers are imported when their command runs.
 */
export const commands: CommandSpec[] = [
  showExampleConfigCommand,
  createExampleConfigCommand,
  checkConfigCommand,
  showConfigCommand,
  configureCommand,
  runCommand,
  runSingleCommand,
  executorCommand,
  statusCommand,
  doctorCommand,
  demoCommand,
];
