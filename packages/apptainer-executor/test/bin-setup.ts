import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJobSession,
  customExecutor,
  type DriveOptions,
  type DriverJob,
  driveJob,
  installStandInApptainer,
  makeTempDir,
  type StandInApptainerOptions,
} from '@mr/test-support';
import { parseImageReference } from '../src/image-reference.js';
import { writeExecutorBin } from './executor-bin.js';

const q = (s: string) => JSON.stringify(s);

/** A temp dir with a stand-in apptainer, the executor bin (bundled from the sources) and a config file for it. */
export async function setup(
  toml: string | ((dir: string) => string) = '',
  standIn: StandInApptainerOptions = {},
) {
  const dir = makeTempDir();
  const apptainer = installStandInApptainer(dir, standIn);
  const bin = await writeExecutorBin(dir);
  const config = join(dir, 'executor.toml');
  const images = join(dir, 'images');
  writeFileSync(
    config,
    [
      `builds_dir = ${q(join(dir, 'builds'))}`,
      `cache_dir = ${q(join(dir, 'cache'))}`,
      `image_dir = ${q(images)}`,
      `apptainer_executable = ${q(apptainer.path)}`,
      typeof toml === 'string' ? toml : toml(dir),
    ].join('\n'),
  );
  const executor = customExecutor(bin, ['--config', config]);
  const drive = (job: DriverJob, options: DriveOptions = {}) =>
    driveJob(executor, job, { tmpRoot: dir, ...options });
  const session = (job: DriverJob, options: DriveOptions = {}) =>
    createJobSession(executor, job, { tmpRoot: dir, ...options });
  const imageFile = (name: string) => join(images, parseImageReference(name).fileName);
  return { dir, apptainer, bin, config, images, executor, drive, session, imageFile };
}
