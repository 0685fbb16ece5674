// The rule for the names this program puts into file names, command lines and scripts: the meta-runner's
// `name` (`<name>.tokens`, `$CONFIG`) and the runner instance names (`--runner $NAME`, `executor $NAME step`,
// `$HOME/builds/$NAME`). Such names need no quoting anywhere, so a template can never split them.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** What a name may contain, for messages. */
export const NAME_RULE =
  'letters, digits, ".", "_" and "-", starting with a letter or digit (the name goes into file names, command lines and the launch script, unquoted)';

/** Whether a meta-runner or runner instance name follows {@link NAME_RULE}. */
export const isSafeName = (value: string): boolean => NAME.test(value);
