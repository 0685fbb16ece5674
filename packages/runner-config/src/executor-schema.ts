// [executor]: derived from the executor's own table of its settings (@mr/apptainer-executor/settings), so
// that the keys, defaults and documentation are written once.
import {
  CONTAINER_HOMES,
  type CheckedSettings,
  EXECUTOR_SETTINGS,
  PREDEFINED_STAGES,
  refusedPassEnv,
  SECTION_KEYS,
  type SettingKey,
  type SettingKind,
  type SettingSpec,
} from '@mr/apptainer-executor/settings';
import { z } from 'zod';
import { doc, type Expansion, THIS_AND_NAME } from './key-doc.js';
import { duration, pullPolicy, size } from './value-schemas.js';

const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** How the values of each kind of setting are expanded. */
const EXPANSION: Partial<Record<SettingKind, Expansion>> = {
  dir: 'instance',
  program: 'instance',
  flag: 'instance',
  'expanded-list': 'instance',
  'job-text': 'job',
};

/** The zod schema of one kind of setting, as written in the file. */
function valueSchema(spec: SettingSpec): z.ZodType {
  switch (spec.kind) {
    case 'dir':
    case 'program':
    case 'job-text':
      return z.string();
    case 'image':
      return z.string().min(1, { error: 'expected a non-empty string' });
    case 'flag':
      return z.union([z.boolean(), z.string()]);
    case 'expanded-list':
    case 'list':
      return z.array(z.string());
    case 'env-names':
      return z.array(
        z
          .string()
          .regex(ENV_PATTERN, { error: 'expected a variable name or a prefix pattern such as "MY_*"' })
          .refine((name) => refusedPassEnv(name) === undefined, {
            error: (issue) => refusedPassEnv(String(issue.input)) ?? 'not allowed',
          }),
      );
    case 'pull-policy':
      return pullPolicy();
    case 'pull-policies':
      return z.array(pullPolicy());
    case 'stages':
      return z.enum(PREDEFINED_STAGES, {
        error: `expected one of ${PREDEFINED_STAGES.map((s) => `"${s}"`).join(', ')}`,
      });
    case 'home':
      return z.enum(CONTAINER_HOMES, {
        error: `expected one of ${CONTAINER_HOMES.map((h) => `"${h}"`).join(', ')}`,
      });
    case 'size':
      return size();
    case 'duration':
      return duration({ timer: spec.timer });
  }
}

function keySchema(spec: SettingSpec): z.ZodType {
  const value = valueSchema(spec);
  const expansion = EXPANSION[spec.kind];
  return doc(spec.default === undefined ? value.optional() : value.prefault(spec.default as never), {
    ...spec.doc,
    ...(expansion ? { expansion } : {}),
  });
}

/** `[executor]`, not instantiated: the settings as written, checked, defaults applied. Durations in ms. */
export type ExecutorSection = Omit<CheckedSettings, 'cache_dir'>;

/** A setting as the file may write it. */
interface WrittenValue {
  dir: string;
  program: string;
  flag: boolean | string;
  'expanded-list': string[];
  'job-text': string;
  image: string;
  list: string[];
  'env-names': string[];
  'pull-policy': string;
  'pull-policies': string[];
  stages: string;
  home: string;
  size: number | string;
  duration: number | string;
}

/** `[executor]` as the file may write it. */
export type ExecutorSectionInput = {
  [K in Exclude<SettingKey, 'cache_dir'>]?: WrittenValue[(typeof EXECUTOR_SETTINGS)[K]['kind']] | undefined;
};

export const executorSchema = doc(
  z.strictObject(
    Object.fromEntries(SECTION_KEYS.map((key) => [key, keySchema(EXECUTOR_SETTINGS[key])])),
  ) as unknown as z.ZodType<ExecutorSection, ExecutorSectionInput>,
  {
    type: 'table',
    description: `The apptainer custom executor: gitlab-runner calls \`gitlab-meta-runner executor NAME STEP\` for every step of a job on the compute node, and it runs the job in the job's image. Every key is optional. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, the instance's config_variables, then the environment gitlab-runner gives the executor.`,
  },
);
