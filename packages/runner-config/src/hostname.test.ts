import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { gitlabBaseUrl, isGitlabHostname } from './hostname.js';

describe('gitlabBaseUrl', () => {
  it.each([
    ['gitlab.com', 'https://gitlab.com'],
    ['gitlab.example.org:8443', 'https://gitlab.example.org:8443'],
    ['https://gitlab.example.org:8443', 'https://gitlab.example.org:8443'],
    ['https://gitlab.example.org/', 'https://gitlab.example.org'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['HTTP://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['https://example.org/gitlab/', 'https://example.org/gitlab'],
    [' gitlab.com ', 'https://gitlab.com'],
  ])('turns %j into %j', (hostname, url) => {
    expect(gitlabBaseUrl(hostname)).toBe(url);
    expect(isGitlabHostname(hostname)).toBe(true);
  });

  it.each([
    [''],
    ['ftp://gitlab.com'],
    ['https://user:pw@gitlab.com'],
    ['gitlab.com?x=1'],
    ['git lab.com'],
    ['https://'],
  ])('rejects %j with a ConfigError', (hostname) => {
    expect(isGitlabHostname(hostname)).toBe(false);
    expect(() => gitlabBaseUrl(hostname)).toThrow(ConfigError);
  });
});
