export interface MetaRunnerErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string | undefined;
  /** Further lines for people (one problem each), printed under the message. */
  details?: readonly string[] | undefined;
  /** The error this one explains. */
  cause?: unknown;
}

const brand = Symbol.for('@mr/node-kit/MetaRunnerError');

/**
 * The base class of every error gitlab-meta-runner's packages throw: a stable `code` (`MR_<AREA>_<WHAT>`),
 * a message for people that names file, key, expected and found, an optional `hint`, detail lines and a
 * `cause`. Each package extends it with a union of its own codes; a code belongs to one package only.
 * Only the CLI turns codes into exit codes. Secrets are redacted before an error is built.
 */
export class MetaRunnerError<Code extends string = string> extends Error {
  override name = 'MetaRunnerError';
  readonly code: Code;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(code: Code, message: string, options: MetaRunnerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    Object.defineProperty(this, brand, { value: true });
  }

  /**
   * `error instanceof MetaRunnerError` also holds for errors of another copy of this package (a bundle
   * inlines one, node_modules holds another); subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about, maybe a subclass.
    if (this !== MetaRunnerError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && brand in value;
  }
}

/** Codes of the errors `@mr/node-kit` throws itself. */
export type NodeKitErrorCode = 'MR_WRITE_FAILED' | 'MR_WRITE_EXISTS';

/** Every code of {@link NodeKitErrorCode}, for tools that list all codes. */
export const NODE_KIT_ERROR_CODES = [
  'MR_WRITE_FAILED',
  'MR_WRITE_EXISTS',
] as const satisfies readonly NodeKitErrorCode[];

/** An error of `@mr/node-kit` itself (a file that cannot be written). */
export class NodeKitError extends MetaRunnerError<NodeKitErrorCode> {
  override name = 'NodeKitError';
}
