// Set by the build (tsdown `define`), so the installed bin reads no file for it.
declare const __MR_EXECUTOR_VERSION__: string | undefined;

let version: string | undefined;

/** The version of @mr/apptainer-executor. */
export function executorVersion(): string {
  version ??=
    typeof __MR_EXECUTOR_VERSION__ === 'string'
      ? __MR_EXECUTOR_VERSION__
      : (
          process.getBuiltinModule('node:module').createRequire(import.meta.url)('../package.json') as {
            version: string;
          }
        ).version;
  return version;
}
