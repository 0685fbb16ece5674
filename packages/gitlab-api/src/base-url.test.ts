import { describe, expect, it } from 'vitest';
import { apiBase } from './base-url.js';

describe('apiBase', () => {
  it.each([
    ['https://gitlab.com', 'https://gitlab.com', '/api/v4'],
    ['https://gitlab.com/', 'https://gitlab.com', '/api/v4'],
    ['gitlab.example.org', 'https://gitlab.example.org', '/api/v4'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', '/api/v4'],
    ['https://example.org/gitlab/', 'https://example.org', '/gitlab/api/v4'],
    ['https://example.org/gitlab/api/v4', 'https://example.org', '/gitlab/api/v4'],
  ])('%s → %s + %s', (url, origin, apiPath) => {
    expect(apiBase(url)).toEqual({ origin, apiPath });
  });

  it.each(['ftp://example.org', 'https://'])('rejects %s', (url) => {
    expect(() => apiBase(url)).toThrow(
      expect.objectContaining({
        code: 'MR_GITLAB_BAD_URL',
        message: expect.stringMatching(/not a GitLab URL/),
      }),
    );
  });
});
