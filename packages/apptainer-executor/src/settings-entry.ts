// `@mr/apptainer-executor/settings`: the table of the executor's settings (the `[executor]` keys), and
// checking and expanding settings written as a table of those keys (as `mr-apptainer-executor --config`
// does). Plain data and small functions without dependencies beyond @mr/template: gitlab-meta-runner
// derives its config schema from the table and reads `[executor]` with these functions on its hot path.
export { expandKeepingUndefined } from './lenient-expand.js';
export {
  CONTAINER_HOMES,
  type ContainerHome,
  type CheckedSettings,
  type CheckedValue,
  EXECUTOR_SETTINGS,
  type ExecutorSettings,
  PREDEFINED_STAGES,
  PULL_POLICIES,
  type PredefinedStages,
  type PullPolicy,
  SECTION_KEYS,
  type SettingDoc,
  type SettingKey,
  type SettingKind,
  type SettingSpec,
  type SettingValue,
} from './setting-keys.js';
export {
  checkSetting,
  checkSettings,
  expandSettings,
  refusedPassEnv,
  type SectionContext,
  type SettingProblem,
  settingsFromSection,
  timerProblem,
} from './settings.js';
