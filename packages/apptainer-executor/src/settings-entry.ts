// `@mr/apptainer-executor/settings`: checking and expanding executor settings written as a table of the
// `[executor]` keys (as `mr-apptainer-executor --config` does), and the units they use.
export { expandKeepingUndefined } from './lenient-expand.js';
export {
  DEFAULT_SETTINGS,
  type ExecutorSettings,
  PULL_POLICIES,
  type PredefinedStages,
  type PullPolicy,
  type SectionContext,
  SETTING_KEYS,
  type SettingKey,
  settingsFromSection,
} from './settings.js';
export { formatSize, parseDuration, parseSize } from './units.js';
