import { describe, expect, it } from 'vitest';
import { MetaRunnerError, NodeKitError } from './errors.js';

describe('MetaRunnerError', () => {
  it('keeps code, message, hint, details and cause in one constructor order', () => {
    const cause = new Error('EACCES');
    const error = new MetaRunnerError('MR_X_FAILED', 'it failed', { hint: 'fix it', details: ['a'], cause });
    expect(error).toMatchObject({
      code: 'MR_X_FAILED',
      message: 'it failed',
      hint: 'fix it',
      details: ['a'],
    });
    expect(error.cause).toBe(cause);
    expect(new MetaRunnerError('MR_X', 'm').details).toEqual([]);
    expect('cause' in new MetaRunnerError('MR_X', 'm')).toBe(false);
  });

  it('recognises errors of another copy of the class, while subclasses check their own prototype', () => {
    class Copy extends Error {
      constructor() {
        super('from another bundle');
        Object.defineProperty(this, Symbol.for('@mr/node-kit/MetaRunnerError'), { value: true });
      }
    }
    expect(new Copy()).toBeInstanceOf(MetaRunnerError);
    expect(new Copy()).not.toBeInstanceOf(NodeKitError);
    expect(new Error('plain')).not.toBeInstanceOf(MetaRunnerError);
    const own = new NodeKitError('MR_WRITE_FAILED', 'cannot write');
    expect(own).toBeInstanceOf(NodeKitError);
    expect(own).toBeInstanceOf(MetaRunnerError);
    expect(own.name).toBe('NodeKitError');
  });
});
