import type { PredefinedStages } from './setting-keys.js';

/** The sub-stages that hold the user's own commands and always run in the job's image. */
export function isUserStage(stage: string): boolean {
  return stage === 'build_script' || stage === 'after_script' || stage.startsWith('step_');
}

/**
 * Whether a sub-stage runs in the image. The predefined ones (get_sources, caches, artifacts, ...) need
 * git, git-lfs and gitlab-runner, which the host has and most images lack: they run on the host unless
 * `predefined_stages = "image"`.
 */
export function runsInImage(stage: string, predefined: PredefinedStages): boolean {
  return isUserStage(stage) || predefined === 'image';
}
